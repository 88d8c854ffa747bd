import Foundation

/// What the network saw and where it looked: the 28×28 input, the same input with a saliency
/// heatmap laid over it, a colour scale and the answer in words.
public enum ExplanationPicture {
    public static func png(input: [UInt8], saliency: [Float], side: Int = 28, caption: [String]) throws -> [UInt8] {
        let scale = 8, image = side * scale, margin = 16
        let height = margin + image + 12 + caption.count * 18 + 40
        var canvas = RGBCanvas(width: 2 * image + 3 * margin, height: height)
        canvas.drawGray(input, side: side, x: margin, y: margin, scale: scale)
        let top = saliency.max() ?? 0
        let normalised = saliency.map { top > 0 ? max(0, $0) / top : 0 }
        // The heatmap over a dimmed copy of the input, so the shape stays visible under the colour.
        let blended = zip(input, normalised).map { pixel, weight -> RGBCanvas.Color in
            let heat = heatColor(weight), gray = 0.45 * Float(pixel), alpha = 0.35 + 0.65 * weight
            func mix(_ c: UInt8) -> UInt8 { UInt8(max(0, min(255, (gray * (1 - alpha) + Float(c) * alpha).rounded()))) }
            return (mix(heat.r), mix(heat.g), mix(heat.b))
        }
        for (i, color) in blended.enumerated() {
            canvas.fill(x: 2 * margin + image + (i % side) * scale, y: margin + (i / side) * scale, width: scale, height: scale, color: color)
        }
        var y = margin + image + 12
        for line in caption {
            canvas.drawText(line, x: margin, y: y, scale: 2)
            y += 18
        }
        // The colour scale: from no effect to the largest drop in the answer's probability.
        let barLeft = 2 * margin + image, barWidth = image
        for x in 0..<barWidth {
            canvas.fill(x: barLeft + x, y: y + 4, width: 1, height: 10, color: heatColor(Float(x) / Float(barWidth - 1)))
        }
        canvas.drawText("NO EFFECT", x: barLeft, y: y + 18)
        canvas.drawText("MATTERS MOST", x: barLeft + barWidth - BitmapFont.width(of: "MATTERS MOST", scale: 1), y: y + 18)
        return try canvas.png()
    }

    /// Dark blue through red to yellow as the value goes from 0 to 1.
    static func heatColor(_ t: Float) -> RGBCanvas.Color {
        let stops: [(Float, Float, Float)] = [(20, 20, 90), (150, 30, 140), (230, 60, 40), (255, 200, 40), (255, 255, 180)]
        let position = max(0, min(1, t)) * Float(stops.count - 1)
        let i = min(stops.count - 2, Int(position)), f = position - Float(i)
        func channel(_ a: Float, _ b: Float) -> UInt8 { UInt8((a + (b - a) * f).rounded()) }
        return (channel(stops[i].0, stops[i + 1].0), channel(stops[i].1, stops[i + 1].1), channel(stops[i].2, stops[i + 1].2))
    }
}
