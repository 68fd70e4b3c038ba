// One submitted unit of store work, type-erased so a queue can hold jobs of any result type.
//
// Thread-safety: created on the submitting thread, then handed to the store thread through the
// WorkThread's locked queue; from then on only the store thread touches `result`. That hand-off
// is why `@unchecked Sendable` is sound here.

import AtriumCore

protocol StoreJob: AnyObject, Sendable {
    /// Runs the work; records and returns whether it succeeded.
    @discardableResult func run(_ connection: StoreConnection) -> Bool
    /// Replaces the result with a failure (the batch's COMMIT failed, or the queue is closed).
    func fail(_ error: StoreError)
    /// Delivers the result to the completion.
    func complete()
}

final class TypedStoreJob<T: Sendable>: StoreJob, @unchecked Sendable {
    private let work: @Sendable (StoreConnection) throws -> T
    private let completion: @Sendable (Result<T, StoreError>) -> Void
    private var result: Result<T, StoreError>?

    init(work: @escaping @Sendable (StoreConnection) throws -> T,
         completion: @escaping @Sendable (Result<T, StoreError>) -> Void) {
        self.work = work
        self.completion = completion
    }

    func run(_ connection: StoreConnection) -> Bool {
        do {
            result = .success(try work(connection))
            return true
        } catch {
            result = .failure(StoreError.from(error))
            return false
        }
    }

    func fail(_ error: StoreError) { result = .failure(error) }

    func complete() {
        completion(result ?? .failure(StoreError(.internal, "The job never ran.")))
    }
}

extension StoreError {
    static let stopped = StoreError(.unavailable, "The store is shutting down.")
}
