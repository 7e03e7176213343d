import Hummingbird
import IntakeMail

/// Pages as HTTP responses.
extension PageRenderer {
    /// A typed page in its layout.
    func page<Model: PageModel>(_ model: Model, layout: Layout, status: HTTPResponse.Status = .ok) -> Response {
        html(render(Model.template, model: model, layout: layout), status: status)
    }

    public func html(_ body: String, status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }
}
