import Imaging

/// What segmentation made of a photo: the photo as it was segmented, with everything outside the
/// object dimmed towards blue and the object's outline in red, beside the network input enlarged
/// to the photo's height.
public enum SegmentationPicture {
    public static func png(_ prepared: PreparedInput, side: Int) throws(ImageError) -> [UInt8] {
        try canvas(prepared, side: side).png()
    }

    public static func canvas(_ prepared: PreparedInput, side: Int, height: Int? = nil) -> RGBCanvas {
        let photo = prepared.photo
        let rows = height ?? max(photo?.height ?? 0, 4 * side)
        let scale = max(1, rows / side)
        let photoWidth = photo.map { ($0.width * rows + $0.height - 1) / $0.height } ?? 0
        let gap = photo == nil ? 0 : 4
        var canvas = RGBCanvas(width: photoWidth + gap + side * scale, height: max(rows, side * scale), background: (255, 255, 255))
        if let photo {
            let colours = photo.interleaved
            for y in 0..<rows {
                for x in 0..<photoWidth {
                    // Nearest source pixel of the photo resampled to `rows` lines.
                    let sx = min(photo.width - 1, x * photo.height / rows), sy = min(photo.height - 1, y * photo.height / rows)
                    let i = sy * photo.width + sx
                    var c: RGBCanvas.Color = (colours[3 * i], colours[3 * i + 1], colours[3 * i + 2])
                    if let mask = prepared.mask {
                        if !mask.inside[i] {
                            c = (UInt8(Int(c.r) / 4), UInt8(Int(c.g) / 4), UInt8(Int(c.b) / 4 + 96))
                        } else if isEdge(mask, sx, sy) {
                            c = (255, 0, 0)
                        }
                    } else {
                        c = (UInt8(Int(c.r) / 2 + 64), UInt8(Int(c.g) / 2), UInt8(Int(c.b) / 2))
                    }
                    canvas.fill(x: x, y: y, width: 1, height: 1, color: c)
                }
            }
        }
        canvas.drawGray(prepared.pixels, side: side, x: photoWidth + gap, y: 0, scale: scale)
        return canvas
    }

    private static func isEdge(_ mask: ObjectMask, _ x: Int, _ y: Int) -> Bool {
        for (dx, dy) in [(-1, 0), (1, 0), (0, -1), (0, 1)] {
            let nx = x + dx, ny = y + dy
            if nx < 0 || ny < 0 || nx >= mask.width || ny >= mask.height || !mask[nx, ny] { return true }
        }
        return false
    }
}
