// swift-tools-version:6.0
import PackageDescription

// libFuzzer harnesses for the three readers of untrusted bytes. A package of its own, so that
// the main build and CI never see them; `fuzz/run` builds and runs them (see README.md).
let package = Package(
    name: "cnnclassify-fuzz",
    dependencies: [.package(name: "cnnclassify", path: "..")],
    targets: [
        .target(name: "FuzzDriver"),
        .executableTarget(name: "FuzzImage", dependencies: ["FuzzDriver", .product(name: "Imaging", package: "cnnclassify")]),
        .executableTarget(name: "FuzzModelFile", dependencies: ["FuzzDriver", .product(name: "CNN", package: "cnnclassify")]),
        .executableTarget(name: "FuzzIDX", dependencies: ["FuzzDriver", .product(name: "Datasets", package: "cnnclassify")]),
    ]
)
