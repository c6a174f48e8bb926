using Google.Rpc;
using Grpc.Core;

namespace LiaisonNet.Gateway.Api;

/// <summary>Turns a service's gRPC status into the HTTP ProblemDetails the browser understands, keeping every field violation.</summary>
public static class RpcProblems
{
    public static IResult ToProblem(this RpcException ex)
    {
        if (ex.StatusCode == Grpc.Core.StatusCode.InvalidArgument)
        {
            var errors = ex.GetRpcStatus()?.GetDetail<BadRequest>()?.FieldViolations
                .GroupBy(v => v.Field)
                .ToDictionary(g => g.Key, g => g.Select(v => v.Description).ToArray())
                ?? new Dictionary<string, string[]> { ["request"] = [ex.Status.Detail] };
            return TypedResults.ValidationProblem(errors, title: "The request is invalid.");
        }

        var (status, title) = ex.StatusCode switch
        {
            Grpc.Core.StatusCode.NotFound => (StatusCodes.Status404NotFound, "Not found."),
            Grpc.Core.StatusCode.PermissionDenied => (StatusCodes.Status403Forbidden, "Not allowed."),
            Grpc.Core.StatusCode.Unauthenticated => (StatusCodes.Status401Unauthorized, "Sign in again."),
            Grpc.Core.StatusCode.AlreadyExists => (StatusCodes.Status409Conflict, "Conflict."),
            Grpc.Core.StatusCode.FailedPrecondition => (StatusCodes.Status409Conflict, "Not possible now."),
            Grpc.Core.StatusCode.Aborted => (StatusCodes.Status409Conflict, "Changed meanwhile."),
            Grpc.Core.StatusCode.ResourceExhausted => (StatusCodes.Status429TooManyRequests, "Too many requests."),
            Grpc.Core.StatusCode.DeadlineExceeded => (StatusCodes.Status504GatewayTimeout, "A service did not answer in time."),
            _ => (StatusCodes.Status503ServiceUnavailable, "A service is unavailable; try again shortly."),
        };
        return TypedResults.Problem(ex.Status.Detail, statusCode: status, title: title);
    }
}
