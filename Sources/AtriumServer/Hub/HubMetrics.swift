/// Counters the hub keeps on the service thread and renders at /metrics.
struct HubMetrics {
    var connectionsOpened = 0
    var framesIn = 0
    var framesOut = 0
    var messagesOut = 0
    var bytesOut = 0
    var eventsCommitted = 0
    var outboundQueueDrops = 0
    var slowConsumerCloses = 0
    var floodCloses = 0
    var oversizeCloses = 0
    var helloTimeouts = 0
    var errorsSent = 0
    var loginsOK = 0
    var loginsFailed = 0
    var loginsLimited = 0
    var httpRequests = 0
    var signalsRelayed = 0
}
