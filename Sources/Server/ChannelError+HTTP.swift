import Channels
import Desk
import Foundation
import HTTPTypes
import Logging
import Matching
import PolicyKit

extension ChannelError {
    /// The status the server answers with. A failed signature or timestamp is 401 on every
    /// platform, as the interface promises (the platforms only tell 200 from the rest);
    /// every other refusal keeps the platform's own status.
    var serverStatus: HTTPResponse.Status {
        switch self {
        case .badSignature, .missingSignature, .staleTimestamp, .badVerificationToken: .unauthorized
        default: HTTPResponse.Status(code: httpStatus)
        }
    }

    /// The refusal as a client error; our own misconfiguration stays a bare 500.
    var apiError: APIError {
        APIError(serverStatus, description)
    }
}
