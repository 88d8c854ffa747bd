/// Which pixels of an image belong to the object, row after row.
public struct ObjectMask: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var inside: [Bool]

    public init(width: Int, height: Int, inside: [Bool]) {
        precondition(inside.count == width * height)
        self.width = width
        self.height = height
        self.inside = inside
    }

    public subscript(x: Int, y: Int) -> Bool { inside[y * width + x] }

    public var area: Int { inside.reduce(0) { $0 + ($1 ? 1 : 0) } }

    /// The smallest rectangle (x, y, width, height) holding every inside pixel, or nil if none is.
    public var boundingBox: (x: Int, y: Int, width: Int, height: Int)? {
        var minX = width, minY = height, maxX = -1, maxY = -1
        for y in 0..<height {
            for x in 0..<width where inside[y * width + x] {
                minX = min(minX, x); maxX = max(maxX, x)
                minY = min(minY, y); maxY = max(maxY, y)
            }
        }
        return maxX < 0 ? nil : (minX, minY, maxX - minX + 1, maxY - minY + 1)
    }

    /// Morphological opening with a (2·radius + 1)² square: erosion then dilation, which removes
    /// every part thinner than the square and keeps the rest as it was. The image's edge counts
    /// as inside for the erosion, so an object cut by the border keeps its cut edge.
    public func opened(radius: Int) -> ObjectMask {
        let eroded = BoxFilter.mean(inside.map { $0 ? Float(1) : 0 }, width: width, height: height, radius: radius).map { $0 > 0.999 }
        let dilated = BoxFilter.mean(eroded.map { $0 ? Float(1) : 0 }, width: width, height: height, radius: radius).map { $0 > 0.001 }
        return ObjectMask(width: width, height: height, inside: zip(inside, dilated).map { $0 && $1 })
    }

    /// The 8-connected region that is largest, counting the one under the image's centre double:
    /// photographers put the garment in the middle, and a bright pillow at the side may be larger.
    public func componentNearestCentre() -> ObjectMask? {
        var label = [Int32](repeating: -1, count: width * height)
        var areas: [Int] = []
        var stack: [Int] = []
        for start in inside.indices where inside[start] && label[start] < 0 {
            let id = Int32(areas.count)
            var area = 0
            label[start] = id
            stack.append(start)
            while let p = stack.popLast() {
                area += 1
                let x = p % width, y = p / width
                for ny in max(0, y - 1) ... min(height - 1, y + 1) {
                    for nx in max(0, x - 1) ... min(width - 1, x + 1) {
                        let q = ny * width + nx
                        if inside[q] && label[q] < 0 { label[q] = id; stack.append(q) }
                    }
                }
            }
            areas.append(area)
        }
        guard !areas.isEmpty else { return nil }
        let centre = label[(height / 2) * width + width / 2]
        let chosen = areas.indices.max { weighted($0, areas, centre) < weighted($1, areas, centre) }!
        return ObjectMask(width: width, height: height, inside: label.map { $0 == Int32(chosen) })
    }

    private func weighted(_ id: Int, _ areas: [Int], _ centre: Int32) -> Int { Int32(id) == centre ? 2 * areas[id] : areas[id] }

    /// The mask with every region of outside pixels that does not reach the image's edge made inside.
    public func holesFilled() -> ObjectMask {
        var reached = [Bool](repeating: false, count: width * height)
        var stack: [Int] = []
        func visit(_ p: Int) {
            if !inside[p] && !reached[p] { reached[p] = true; stack.append(p) }
        }
        for x in 0..<width { visit(x); visit((height - 1) * width + x) }
        for y in 0..<height { visit(y * width); visit(y * width + width - 1) }
        while let p = stack.popLast() {
            let x = p % width, y = p / width
            if x > 0 { visit(p - 1) }
            if x < width - 1 { visit(p + 1) }
            if y > 0 { visit(p - width) }
            if y < height - 1 { visit(p + width) }
        }
        return ObjectMask(width: width, height: height, inside: reached.map { !$0 })
    }
}
