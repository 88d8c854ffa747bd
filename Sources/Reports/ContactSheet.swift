/// A grid of 28×28 inputs, each enlarged with two lines of caption under it: the test images
/// the network got most confidently wrong.
public struct ContactSheet {
    public struct Item {
        public var pixels: [UInt8]
        public var captions: [String]

        public init(pixels: [UInt8], captions: [String]) {
            self.pixels = pixels
            self.captions = captions
        }
    }

    public var title: String
    public var items: [Item]
    public var columns = 8
    public var side = 28

    public init(title: String, items: [Item], columns: Int = 8, side: Int = 28) {
        self.title = title
        self.items = items
        self.columns = columns
        self.side = side
    }

    public func png() throws -> [UInt8] {
        let scale = 4, image = side * scale
        let captionLines = items.map(\.captions.count).max() ?? 0
        let longest = items.flatMap(\.captions).map { BitmapFont.width(of: $0, scale: 1) }.max() ?? 0
        let tileWidth = max(image, longest) + 16, tileHeight = image + captionLines * 10 + 16
        let rows = (items.count + columns - 1) / columns
        let header = 40
        var canvas = RGBCanvas(width: max(columns * tileWidth + 16, BitmapFont.width(of: title, scale: 2) + 32),
                               height: header + rows * tileHeight + 8)
        canvas.drawText(title, x: 16, y: 14, scale: 2)
        for (i, item) in items.enumerated() {
            let x = 8 + (i % columns) * tileWidth + (tileWidth - image) / 2, y = header + (i / columns) * tileHeight
            canvas.fill(x: x - 1, y: y - 1, width: image + 2, height: image + 2, color: (160, 160, 160))
            canvas.drawGray(item.pixels, side: side, x: x, y: y, scale: scale)
            for (line, caption) in item.captions.enumerated() {
                let width = BitmapFont.width(of: caption, scale: 1)
                canvas.drawText(caption, x: 8 + (i % columns) * tileWidth + (tileWidth - width) / 2, y: y + image + 5 + line * 10,
                                color: line == 0 ? (0, 90, 0) : (180, 0, 0))
            }
        }
        return try canvas.png()
    }
}
