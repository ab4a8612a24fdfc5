import AsyncHTTPClient
import Crypto
import Foundation
import GRDB
import KinerjaCore
import KinerjaStore
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle

/// Sends outbox rows: `webhook` (JSON POST with an `Idempotency-Key` and an HMAC-SHA256 signature), `sendmail`
/// (an RFC 5322 message to a command) and `log`. Failures retry with exponential backoff and jitter; after the
/// configured number of attempts a row is `dead`. Delivery is at least once: a crash between sending and recording
/// sends again, with the same idempotency key.
struct DeliveryWorker: Service {
    let state: DaemonState
    static let batchSize = 1_000

    struct Attempt: Sendable {
        var id: Int64
        var error: String?
    }

    func run() async throws {
        let http = HTTPClient(
            eventLoopGroupProvider: .singleton,
            configuration: HTTPClient.Configuration(
                redirectConfiguration: .disallow,
                connectionPool: .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 64)))
        await loop(http)
        try? await http.shutdown()
    }

    func loop(_ http: HTTPClient) async {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            var busy = false
            do {
                busy = try await deliverBatch(http)
            } catch {
                state.logger.error("outbox delivery failed", metadata: ["error": "\(error)"])
            }
            if !busy {
                // Nothing due: wait for a fan-out, a retry request, or the next due time (at most a few seconds).
                let next = (try? await state.store.read { db in try ReminderStore.nextDue(db) }) ?? nil
                var seconds = 5.0
                if let next { seconds = min(5, max(0.01, next.timeIntervalSince(state.clock.now()) / state.clock.rate)) }
                await state.deliveryWake.wait(seconds: seconds)
            }
        }
    }

    /// Sends one batch of due rows; true when there was anything to send.
    func deliverBatch(_ http: HTTPClient) async throws -> Bool {
        let now = state.clock.now()
        let rows = try await state.store.read { db in try ReminderStore.due(db, now: now, limit: Self.batchSize) }
        guard !rows.isEmpty else { return false }
        let settings = state.settings.reminders
        // Each message is recorded as soon as it is sent (in small groups as they complete, before their delivery
        // slots are reused): a crash re-sends at most the messages in flight.
        let attempts = Dictionary(uniqueKeysWithValues: rows.map { ($0.id, $0.attempts) })
        let channels = Dictionary(uniqueKeysWithValues: rows.map { ($0.id, $0.channel) })
        let logger = state.logger
        let metrics = state.metrics
        let flush: @Sendable ([Attempt]) async -> Void = { results in
            for r in results { metrics.delivery(channel: channels[r.id] ?? "", ok: r.error == nil) }
            do { try await self.record(results, attempts: attempts, settings: settings) } catch {
                logger.error("recording outbox deliveries failed (they will be sent again)", metadata: ["error": "\(error)", "messages": "\(results.count)"])
            }
        }
        let logRows = rows.filter { $0.channel == Channel.log.rawValue }
        if !logRows.isEmpty {
            for r in logRows {
                state.logger.notice("reminder", metadata: ["to": "\(r.nip) \(r.name)", "rule": "\(r.rule)", "outbox_id": "\(r.id)", "message": "\(r.body)"])
            }
            await flush(logRows.map { Attempt(id: $0.id, error: nil) })
        }
        let webhookRows = rows.filter { $0.channel == Channel.webhook.rawValue }
        if !webhookRows.isEmpty {
            await sendWebhooks(webhookRows, http, settings, flush: flush)
        }
        let mailRows = rows.filter { $0.channel == Channel.sendmail.rawValue }
        if !mailRows.isEmpty {
            await sendMail(mailRows, settings, flush: flush)
        }
        return true
    }

    func record(_ results: [Attempt], attempts: [Int64: Int], settings: ReminderSettings) async throws {
        guard !results.isEmpty else { return }
        let backoff = Backoff(
            baseSeconds: Double(settings.backoffBaseSeconds), maxSeconds: Double(settings.backoffMaxSeconds), maxAttempts: settings.maxAttempts)
        let now = state.clock.now()
        var dead = 0
        var failed = 0
        var outcomes: [(id: Int64, outcome: ReminderStore.DeliveryOutcome)] = []
        outcomes.reserveCapacity(results.count)
        for r in results {
            if let error = r.error {
                let n = (attempts[r.id] ?? 0) + 1
                let isDead = backoff.isDead(afterAttempts: n)
                if isDead { dead += 1 } else { failed += 1 }
                let next = now.addingTimeInterval(backoff.delay(afterAttempts: n, unit: Double.random(in: 0..<1)))
                outcomes.append((r.id, .failed(attempts: n, dead: isDead, nextAttempt: next, error: error)))
            } else {
                outcomes.append((r.id, .sent(at: now)))
            }
        }
        try await state.store.write { [outcomes] db in try ReminderStore.recordDeliveries(db, outcomes) }
        if dead + failed > 0 {
            state.logger.warning("outbox deliveries failed", metadata: ["failed": "\(failed)", "dead": "\(dead)", "sent": "\(results.count - failed - dead)"])
        }
    }

    /// `body` over `rows` with at most `width` running at once. Results go to `flush` in groups as they complete; a
    /// slot is used again only once its result is flushed, so at most `width` messages are ever sent but unrecorded.
    static func bounded(
        _ rows: [OutboxRow], width: Int, _ body: @escaping @Sendable (OutboxRow) async -> Attempt, flush: @Sendable ([Attempt]) async -> Void
    ) async {
        let width = max(1, width)
        let group = max(1, width / 4)
        await withTaskGroup(of: Attempt.self) { tasks in
            var iterator = rows.makeIterator()
            var running = 0
            for _ in 0..<width {
                guard let r = iterator.next() else { break }
                tasks.addTask { await body(r) }
                running += 1
            }
            var done: [Attempt] = []
            while let result = await tasks.next() {
                running -= 1
                done.append(result)
                guard done.count >= group || running == 0 else { continue }
                await flush(done)
                done.removeAll(keepingCapacity: true)
                // On shutdown (SIGTERM) only the deliveries in flight finish; the rest stay pending for the next start.
                while running < width, !Task.isShuttingDownGracefully, let r = iterator.next() {
                    tasks.addTask { await body(r) }
                    running += 1
                }
            }
            if !done.isEmpty { await flush(done) }
        }
    }

    // MARK: Webhook

    struct WebhookBody: Encodable {
        var id: Int64
        var rule: String
        var occurrence: String
        var nip: String
        var name: String
        var email: String
        var subject: String
        var message: String
        var created_at: String
    }

    static func signature(_ body: Data, secret: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data(secret.utf8)))
        return "sha256=" + mac.map { String(format: "%02x", $0) }.joined()
    }

    func sendWebhooks(_ rows: [OutboxRow], _ http: HTTPClient, _ settings: ReminderSettings, flush: @Sendable ([Attempt]) async -> Void) async {
        guard let url = settings.webhookURL else {
            return await flush(rows.map { Attempt(id: $0.id, error: "no webhook URL configured ([reminders.webhook] url)") })
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let timeout = TimeAmount.milliseconds(settings.webhookTimeoutMilliseconds)
        let secret = settings.webhookSecret
        let logger = state.logger
        await Self.bounded(
            rows, width: settings.webhookConcurrency,
            { r in
                let body =
                    (try? encoder.encode(
                        WebhookBody(
                            id: r.id, rule: r.rule, occurrence: r.occurrence, nip: r.nip, name: r.name, email: r.email, subject: r.subject,
                            message: r.body, created_at: r.createdAt))) ?? Data()
                var request = HTTPClientRequest(url: url)
                request.method = .POST
                request.headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
                request.headers.add(name: "Idempotency-Key", value: String(r.id))
                request.headers.add(name: "X-Kinerja-Signature", value: Self.signature(body, secret: secret))
                request.headers.add(name: "User-Agent", value: "kinerjad/\(Kinerja.version)")
                request.body = .bytes(ByteBuffer(bytes: body))
                do {
                    let response = try await http.execute(request, timeout: timeout)
                    _ = try? await response.body.collect(upTo: 1 << 16)
                    if (200..<300).contains(response.status.code) { return Attempt(id: r.id, error: nil) }
                    return Attempt(id: r.id, error: "HTTP \(response.status.code) from \(url)")
                } catch {
                    logger.debug("webhook failed", metadata: ["outbox_id": "\(r.id)", "error": "\(error)"])
                    return Attempt(id: r.id, error: "\(error)")
                }
            }, flush: flush)
    }

    // MARK: sendmail

    /// RFC 2047 for a header with non-ASCII text.
    static func headerText(_ s: String) -> String {
        if s.allSatisfy({ $0.isASCII && $0 != "\r" && $0 != "\n" }) { return s }
        return "=?UTF-8?B?" + Data(s.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ").utf8).base64EncodedString() + "?="
    }

    /// A display name as RFC 5322 allows it: an atom list, a quoted string, or an RFC 2047 word.
    static func displayName(_ s: String) -> String {
        guard s.allSatisfy({ $0.isASCII && $0 != "\r" && $0 != "\n" }) else { return headerText(s) }
        if s.allSatisfy({ $0.isLetter || $0.isNumber || $0 == " " }) { return s }
        return "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    static func message(_ r: OutboxRow, from: String, now: Date) -> Data {
        let date = rfc5322Date(now)
        let host = from.split(separator: "@").last.map(String.init) ?? "localhost"
        var text = ""
        text += "From: Kinerja <\(from)>\r\n"
        text += "To: \(displayName(r.name)) <\(r.email)>\r\n"
        text += "Subject: \(headerText(r.subject))\r\n"
        text += "Date: \(date)\r\n"
        text += "Message-ID: <outbox-\(r.id)@\(host)>\r\n"
        text += "MIME-Version: 1.0\r\n"
        text += "Content-Type: text/plain; charset=utf-8\r\n"
        text += "Content-Transfer-Encoding: 8bit\r\n"
        text += "X-Kinerja-Outbox-Id: \(r.id)\r\n"
        text += "\r\n"
        text += r.body.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n") + "\r\n"
        return Data(text.utf8)
    }

    static let rfc5322Format: DateFormatter = {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        return f
    }()

    static func rfc5322Date(_ d: Date) -> String { rfc5322Format.string(from: d) }

    func sendMail(_ rows: [OutboxRow], _ settings: ReminderSettings, flush: @Sendable ([Attempt]) async -> Void) async {
        let argv = settings.sendmailCommand.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        let scratch = state.settings.stateDir
        let now = state.clock.now()
        await Self.bounded(
            rows, width: 4,
            { r in
                guard !r.email.isEmpty else { return Attempt(id: r.id, error: "no e-mail address for \(r.nip)") }
                do {
                    let result = try await Blocking.run {
                        try Subprocess.run(argv, input: Self.message(r, from: settings.sendmailFrom, now: now), timeout: 60, scratch: scratch)
                    }
                    if result.status == 0 { return Attempt(id: r.id, error: nil) }
                    return Attempt(id: r.id, error: "\(argv.first ?? "sendmail") exited with \(result.status): \(result.output.prefix(300))")
                } catch {
                    return Attempt(id: r.id, error: "\(error)")
                }
            }, flush: flush)
    }
}
