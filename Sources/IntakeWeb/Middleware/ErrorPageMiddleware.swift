import Foundation
import Hummingbird
import IntakeDomain
import IntakeMail
import IntakeStore
import Logging

/// Turns every error into a Swedish (or English) error page with the right status. Unknown
/// errors are logged by type and shown as a plain 500 page, never as a stack trace or message.
/// A database that cannot store anything (full disk, size cap, unwritable file) is a 503 with
/// `Retry-After`, in every format, and marks `storage` as failing.
struct ErrorPageMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let renderer: PageRenderer
    let clock: @Sendable () -> Date
    var storage: StorageHealth?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as AppError {
            let message = if case .storageUnavailable = error { Self.storageMessage(request) } else { error.message }
            var response = page(status: error.status, message: message, request: request)
            switch error {
            case .tooManyAttempts(let until):
                response.headers[.retryAfter] = String(max(1, Int(until.timeIntervalSince(clock()).rounded(.up))))
            case .storageUnavailable:
                response.headers[.retryAfter] = String(AppError.storageRetryAfterSeconds)
            default:
                break
            }
            return response
        } catch let error as HTTPResponseError {
            let status = error.status
            if status.code >= 500 {
                context.logger.error("request failed", metadata: ["status": .stringConvertible(status.code), "error": .string(String(reflecting: type(of: error)))])
            }
            let message: LocalizedText = switch status.code {
            case 404: AppError.notFound.message
            case 405: AppError.methodNotAllowed.message
            case 413: AppError.payloadTooLarge(limit: 64 * 1024).message
            case 400..<500: LocalizedText(sv: "Begäran kunde inte tas emot. Gå tillbaka och försök igen.", en: "The request could not be accepted. Go back and try again.")
            default: Self.internalMessage
            }
            return page(status: status, message: message, request: request)
        } catch where StorageFailure.isStorageError(error) {
            // Logged once when writes start failing (StorageHealth), not for every refused request.
            storage?.noteFailure(error, during: request.method.rawValue + " " + (context.endpointPath ?? "?"))
            var response = page(status: .serviceUnavailable, message: Self.storageMessage(request), request: request)
            response.headers[.retryAfter] = String(AppError.storageRetryAfterSeconds)
            return response
        } catch {
            // Log the type only: a message could carry submitted text.
            context.logger.error("unhandled error", metadata: ["error": .string(String(reflecting: type(of: error)))])
            return page(status: .internalServerError, message: Self.internalMessage, request: request)
        }
    }

    /// What a refused write says: "we cannot receive reports" where a report is sent (the form,
    /// the phone form, Open311), "we cannot save anything" everywhere else (a handläggare's reply
    /// or note, an admin's change, an addition on the tracking page, the staff API).
    static func storageMessage(_ request: Request) -> LocalizedText {
        let path = request.uri.path
        let filesReport = ["/rapportera/", PhoneReportController.basePath + "/", "/open311/"].contains { path.hasPrefix($0) }
        return filesReport ? AppError.storageUnavailable.message : AppError.nothingSaved
    }

    static let internalMessage = LocalizedText(
        sv: "Något gick fel hos oss. Försök igen om en stund. Om du skickade en rapport: gå tillbaka och skicka den igen.",
        en: "Something went wrong on our side. Please try again in a while. If you sent a report: go back and send it again.")

    func page(status: HTTPResponse.Status, message: LocalizedText, request: Request) -> Response {
        // Machines get their own error formats, never an HTML page.
        if let response = MachineError.response(status: status, message: message, request: request) { return response }
        let language = Language(parameter: request.uri.queryParameters["lang"].map(String.init))
        return ErrorPage.response(renderer: renderer, status: status, language: language, message: message)
    }
}
