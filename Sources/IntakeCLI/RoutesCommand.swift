import ArgumentParser
import Foundation
import IntakeForms
import IntakeServices
import IntakeWeb
import Logging

/// `intake routes`: every route the server answers, with the request values each reads.
struct RoutesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "routes",
        abstract: "List every route: method, path and the query, form and JSON values it reads.")

    @Flag(help: "Print JSON (an array of {method, path, query, form, json}) instead of a table.") var json = false
    @OptionGroup var common: CommonOptions

    func run() async throws {
        let config = try common.configuration()
        var logger = Logger(label: "samverkan-intake")
        logger.logLevel = .error
        let services: AppServices
        do {
            services = try await AppServices.load(configuration: config, logger: logger)
        } catch let error as CatalogueError {
            throw fail(error.description)
        }
        let routes = buildRoutes(services: services).routes
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(routes), as: UTF8.self))
            return
        }
        for route in routes {
            var line = route.method.padding(toLength: 8, withPad: " ", startingAt: 0) + route.path
            if !route.query.isEmpty { line += "  query: " + route.query.joined(separator: ", ") }
            if !route.form.isEmpty { line += "  form: " + route.form.joined(separator: ", ") }
            if !route.json.isEmpty { line += "  json: " + route.json.joined(separator: ", ") }
            print(line)
        }
    }
}
