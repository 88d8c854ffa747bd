import XCTest
@testable import CNN

final class TensorTests: XCTestCase {
    func testSharedStorageIsSeenThroughBothAndOutlivesItsOwner() {
        var owner: Tensor? = Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6])
        let view = Tensor(shape: [6])
        view.share(owner!)
        XCTAssertEqual(view.shape, [2, 3])
        XCTAssertEqual(view.data, owner!.data)
        view[4] = 50
        XCTAssertEqual(owner![4], 50)
        // A view of a view uses the first owner's storage, which lives as long as any view does.
        let second = Tensor()
        second.share(view)
        owner = nil
        XCTAssertEqual(second.values, [1, 2, 3, 4, 50, 6])
        // Growing past the shared storage gives the tensor storage of its own, zeroed.
        second.resize(to: [4, 4])
        XCTAssertNotEqual(second.data, view.data)
        XCTAssertEqual(second.values, Array(repeating: 0, count: 16))
        XCTAssertEqual(view.values, [1, 2, 3, 4, 50, 6])
    }
}
