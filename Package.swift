// swift-tools-version:6.0
import PackageDescription

// Release builds link the Swift runtime and Foundation into the binary (what `swift build
// --static-swift-stdlib` does), so that the plain `swift build -c release` starts as fast as an
// install: loading them as shared libraries costs each start of the tool 5–9 ms, more than one
// image's work. Every Swift module compiles against the static runtime's modules, which is what
// makes the link pull in what Foundation needs.
let staticRuntimeCondition = BuildSettingCondition.when(platforms: [.linux], configuration: .release)
let staticRuntime: [SwiftSetting] = [.unsafeFlags(["-static-stdlib"], staticRuntimeCondition)]
let staticRuntimeLink: [LinkerSetting] = [.unsafeFlags(["-static-stdlib"], staticRuntimeCondition)]

let package = Package(
    name: "cnnclassify",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "cnnclassify", targets: ["cnnclassify"]),
        .library(name: "CNN", targets: ["CNN"]),
        .library(name: "Datasets", targets: ["Datasets"]),
        .library(name: "Imaging", targets: ["Imaging"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CBLAS",
            path: "Sources/CBLAS",
            providers: [.apt(["libopenblas-dev"])]
        ),
        .systemLibrary(
            name: "CZlib",
            path: "Sources/CZlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        .target(
            name: "CImageCodecs",
            cSettings: [.unsafeFlags(["-Wall", "-Wextra"])],
            linkerSettings: [.linkedLibrary("png"), .linkedLibrary("jpeg")]
        ),
        // Optimised in debug builds too, like CNN, whose products they are.
        .target(name: "CKernels", cSettings: [.unsafeFlags(["-O2", "-Wall", "-Wextra"])]),
        // OpenBLAS is linked statically: its shared library's 16,000 symbol relocations and its
        // libgfortran and libquadmath cost every start of the tool more than a small image's work.
        // Optimised in debug builds too: the vector code of the convolutions runs 10 to 20 times
        // slower unoptimised, which the tests that run the shipped network over t10k and the
        // photos would pay.
        .target(name: "CNN", dependencies: ["CBLAS", "CKernels", "CZlib"], swiftSettings: [.unsafeFlags(["-O"])] + staticRuntime,
                linkerSettings: [.unsafeFlags(["-Xlinker", "-l:libopenblas.a"]), .linkedLibrary("pthread")]),
        .target(name: "Datasets", dependencies: ["CNN", "CZlib"], swiftSettings: staticRuntime),
        // Optimised in debug builds too: segmenting a photo unoptimised takes 50 times as long,
        // which the test suite's real-photo runs would pay thousands of times.
        .target(name: "Imaging", dependencies: ["CImageCodecs"], swiftSettings: [.unsafeFlags(["-O"])] + staticRuntime),
        .target(name: "Reports", dependencies: ["Imaging"], swiftSettings: staticRuntime),
        .target(name: "Classifier", dependencies: ["CNN", "Imaging"], swiftSettings: staticRuntime),
        .executableTarget(
            name: "cnnclassify",
            dependencies: [
                "CNN", "Datasets", "Imaging", "Classifier", "Reports",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: staticRuntime,
            linkerSettings: staticRuntimeLink
        ),
        .target(name: "TestSupport", dependencies: ["CNN", "Datasets", "Imaging"], path: "Tests/TestSupport"),
        .testTarget(name: "CNNTests", dependencies: ["CNN", "CKernels", "TestSupport"], exclude: ["winograd_copies.c"]),
        .testTarget(name: "DatasetsTests", dependencies: ["Datasets", "TestSupport"]),
        .testTarget(name: "ImagingTests", dependencies: ["Imaging", "Datasets", "TestSupport"], exclude: ["corpus-outcomes.tsv"]),
        .testTarget(name: "CLITests", dependencies: ["cnnclassify", "CNN", "Classifier", "Datasets", "Imaging", "TestSupport"]),
        .testTarget(name: "ClassifierTests", dependencies: ["Classifier", "CNN", "Imaging", "TestSupport"]),
        .testTarget(name: "ReportsTests", dependencies: ["Reports", "CNN", "Imaging", "TestSupport"]),
    ],
    swiftLanguageModes: [.v5]
)
