import Hummingbird
import HummingbirdCore
public import NIOCore
public import NIOHTTPTypes

/// Closes a connection whose request body has not arrived whole within a deadline of its head.
///
/// Hummingbird's idle timeout closes a connection that sends nothing (and so one whose head trickles
/// in, since the decoder passes nothing up until the head is whole, and one whose body stops), but a
/// body sent a byte at a time counts as activity forever. This puts a bound on the whole body.
public final class BodyDeadlineHandler: ChannelInboundHandler, RemovableChannelHandler {
    public typealias InboundIn = HTTPRequestPart
    public typealias InboundOut = HTTPRequestPart

    private let timeout: TimeAmount
    private var deadline: Scheduled<Void>?

    /// A handler that gives each request body `timeout` from the end of its head.
    public init(timeout: TimeAmount) {
        self.timeout = timeout
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            deadline?.cancel()
            let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
            deadline = context.eventLoop.scheduleTask(in: timeout) {
                loopBound.value.close(promise: nil)
            }
        case .end:
            deadline?.cancel()
            deadline = nil
        case .body:
            break
        }
        context.fireChannelRead(data)
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
    }

    public func channelInactive(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
        context.fireChannelInactive()
    }
}

/// `BodyDeadlineHandler` is used only on its channel's event loop, where NIO runs every handler call.
@available(*, unavailable)
extension BodyDeadlineHandler: Sendable {}
