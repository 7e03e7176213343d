import Hummingbird
import IntakeMail

/// Pages as HTTP responses.
extension PageRenderer {
    public func page(_ template: String, _ context: [String: Any], status: HTTPResponse.Status = .ok) -> Response {
        html(render(template, context), status: status)
    }

    public func html(_ body: String, status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }
}
