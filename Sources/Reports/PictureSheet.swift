/// A grid of pictures, each with lines of caption under it, under a title: the photos a model
/// got most confidently wrong, each beside the input the network got.
public struct PictureSheet {
    public struct Item {
        public var picture: RGBCanvas
        public var captions: [String]

        public init(picture: RGBCanvas, captions: [String]) {
            self.picture = picture
            self.captions = captions
        }
    }

    public var title: String
    public var items: [Item]
    public var columns: Int

    public init(title: String, items: [Item], columns: Int = 4) {
        self.title = title
        self.items = items
        self.columns = columns
    }

    public func png() throws -> [UInt8] {
        let captionLines = items.map(\.captions.count).max() ?? 0
        let longest = items.flatMap(\.captions).map { BitmapFont.width(of: $0, scale: 1) }.max() ?? 0
        let tileWidth = max(items.map(\.picture.width).max() ?? 0, longest) + 16
        let tileHeight = (items.map(\.picture.height).max() ?? 0) + captionLines * 10 + 16
        let rows = (items.count + columns - 1) / columns, header = 40
        var canvas = RGBCanvas(width: max(min(columns, max(items.count, 1)) * tileWidth + 16, BitmapFont.width(of: title, scale: 2) + 32),
                               height: header + rows * tileHeight + 8)
        canvas.drawText(title, x: 16, y: 14, scale: 2)
        for (i, item) in items.enumerated() {
            let left = 8 + (i % columns) * tileWidth, top = header + (i / columns) * tileHeight
            canvas.draw(item.picture, x: left + (tileWidth - item.picture.width) / 2, y: top)
            for (line, caption) in item.captions.enumerated() {
                canvas.drawText(caption, x: left + (tileWidth - BitmapFont.width(of: caption, scale: 1)) / 2,
                                y: top + item.picture.height + 5 + line * 10, color: line == 0 ? (0, 90, 0) : (180, 0, 0))
            }
        }
        return try canvas.png()
    }
}
