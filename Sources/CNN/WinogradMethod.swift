/// A convolution computed by one of Winograd's methods, as a forward pass (or an input gradient,
/// with the filters turned) asks for it: the inputs of a few images transformed into column
/// blocks ("slots") of one thread's space, their products with the transformed filters, and each
/// image's output transformed back from its block.
protocol WinogradMethod: AnyObject {
    /// How many images' tiles go into each product.
    static var imagesPerProduct: Int { get }

    /// Sizes the per-thread space and transforms the filters: `weight` is `[F, C, 3, 3]`, or, when
    /// `turned`, the `[C, F, 3, 3]` weight of the convolution whose input gradient this one
    /// computes (each filter turned by half a turn).
    func prepare(weight: UnsafePointer<Float>, turned: Bool, threads: Int, training: Bool)
    /// Transforms the tiles of one image (`[C, OH, OW]`) into column block `slot`; the slots of a
    /// product are transformed in order.
    func transformInput(_ image: UnsafePointer<Float>, slot: Int, thread: Int)
    /// The products for the first `count` images of the thread's inputs.
    func multiply(count: Int, thread: Int)
    /// Turns column block `slot` of the products into one image's output (`[F, OH, OW]`, or
    /// `[F, OH / 2, OW / 2]` when the epilogue pools), adding `bias` (one per filter) when there is one.
    func transformOutput(slot: Int, thread: Int, bias: UnsafePointer<Float>?, epilogue: Epilogue, into output: UnsafeMutablePointer<Float>)
}
