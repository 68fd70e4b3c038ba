/// `/metrics` in the Prometheus text format (service thread; the commit statistics are a
/// locked snapshot from the commit queue).
extension Hub {
    func renderMetrics() -> String {
        var out = ""
        func metric(_ name: String, _ type: String, _ help: String, _ value: CustomStringConvertible) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n\(name) \(value)\n"
        }
        metric("atrium_connections", "gauge", "Open WebSocket connections.", connections.count)
        metric("atrium_connections_opened_total", "counter", "WebSocket connections accepted.", metrics.connectionsOpened)
        metric("atrium_rooms", "gauge", "Rooms known to the hub.", rooms.count)
        metric("atrium_rooms_active", "gauge", "Rooms with at least one joined connection.", rooms.values.filter { !$0.members.isEmpty }.count)
        metric("atrium_frames_in_total", "counter", "WebSocket messages received.", metrics.framesIn)
        metric("atrium_frames_out_total", "counter", "WebSocket frames written (each may carry several messages).", metrics.framesOut)
        metric("atrium_messages_out_total", "counter", "Messages queued to clients.", metrics.messagesOut)
        metric("atrium_bytes_out_total", "counter", "WebSocket payload bytes written.", metrics.bytesOut)
        metric("atrium_events_committed_total", "counter", "Room events committed and published.", metrics.eventsCommitted)
        metric("atrium_rtc_signals_relayed_total", "counter", "Call signals (offers, answers, ICE candidates) relayed to their addressed peer.", metrics.signalsRelayed)
        metric("atrium_calls_active", "gauge", "Rooms with a call going on.", rooms.values.filter { $0.call.isActive }.count)
        metric("atrium_outbound_queue_drops_total", "counter", "Outbound queues dropped because a client could not keep up.", metrics.outboundQueueDrops)
        metric("atrium_slow_consumer_closes_total", "counter", "Connections closed with 4503 (slow consumer).", metrics.slowConsumerCloses)
        metric("atrium_flood_closes_total", "counter", "Connections closed with 4429 (flood).", metrics.floodCloses)
        metric("atrium_oversize_closes_total", "counter", "Connections closed with 1009 (message too large).", metrics.oversizeCloses)
        metric("atrium_hello_timeouts_total", "counter", "Connections closed with 4408 (no hello in time).", metrics.helloTimeouts)
        metric("atrium_errors_sent_total", "counter", "Error replies sent on WebSockets.", metrics.errorsSent)
        metric("atrium_http_requests_total", "counter", "HTTP requests received.", metrics.httpRequests)
        out += "# HELP atrium_logins_total Sign-in attempts by outcome.\n# TYPE atrium_logins_total counter\n"
        out += "atrium_logins_total{outcome=\"ok\"} \(metrics.loginsOK)\n"
        out += "atrium_logins_total{outcome=\"failed\"} \(metrics.loginsFailed)\n"
        out += "atrium_logins_total{outcome=\"limited\"} \(metrics.loginsLimited)\n"

        let stats = commits.stats
        metric("atrium_commit_batches_total", "counter", "Store transactions committed by the writer.", stats.commits)
        metric("atrium_commit_jobs_total", "counter", "Writes committed by the writer.", stats.jobs)
        metric("atrium_commit_failed_jobs_total", "counter", "Writes that failed.", stats.failedJobs)
        metric("atrium_commit_queue", "gauge", "Writes waiting for the writer.", stats.queued)
        out += "# HELP atrium_commit_latency_seconds Time from BEGIN to the end of COMMIT of one group.\n"
        out += "# TYPE atrium_commit_latency_seconds histogram\n"
        for bucket in stats.latencyBuckets {
            let le = bucket.le.isInfinite ? "+Inf" : "\(bucket.le)"
            out += "atrium_commit_latency_seconds_bucket{le=\"\(le)\"} \(bucket.count)\n"
        }
        out += "atrium_commit_latency_seconds_sum \(stats.latencySum)\n"
        out += "atrium_commit_latency_seconds_count \(stats.commits)\n"
        return out
    }
}
