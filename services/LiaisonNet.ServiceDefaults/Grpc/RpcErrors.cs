using Grpc.Core;

namespace LiaisonNet.ServiceDefaults.Grpc;

/// <summary>The precise failures a LiaisonNet RPC reports.</summary>
public static class RpcErrors
{
    public static RpcException NotFound(string what) => new(new Status(StatusCode.NotFound, what));

    public static RpcException PermissionDenied(string why) => new(new Status(StatusCode.PermissionDenied, why));

    public static RpcException Unauthenticated(string why) => new(new Status(StatusCode.Unauthenticated, why));

    public static RpcException AlreadyExists(string what) => new(new Status(StatusCode.AlreadyExists, what));

    public static RpcException FailedPrecondition(string why) => new(new Status(StatusCode.FailedPrecondition, why));

    public static RpcException InvalidArgument(string field, string description) =>
        new FieldViolations().Add(field, description).ToException();
}
