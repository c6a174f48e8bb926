using System.Diagnostics;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging;

namespace LiaisonNet.ServiceDefaults.Grpc;

/// <summary>
/// Turns anything unexpected into a clean Internal status that names a trace id (and logs the cause), so that a bug never
/// leaks internals to the caller or drops the connection; and keeps every status message short enough for the trailers,
/// whatever a handler put in it.
/// </summary>
public sealed class ErrorInterceptor(ILogger<ErrorInterceptor> logger) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context);
        }
        catch (RpcException ex) when (ex.Status.Detail.Length > MaxDetail)
        {
            throw Bounded(ex);
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            throw Map(ex, context);
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(request, responseStream, context);
        }
        catch (RpcException ex) when (ex.Status.Detail.Length > MaxDetail)
        {
            throw Bounded(ex);
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            throw Map(ex, context);
        }
    }

    /// <summary>The longest status message a LiaisonNet service sends.</summary>
    public const int MaxDetail = 1_000;

    private static RpcException Bounded(RpcException ex) =>
        new(new Status(ex.StatusCode, string.Concat(ex.Status.Detail.AsSpan(0, MaxDetail - 1), "…")), ex.Trailers);

    private RpcException Map(Exception ex, ServerCallContext context)
    {
        if (ex is OperationCanceledException && context.CancellationToken.IsCancellationRequested)
        {
            return new RpcException(new Status(StatusCode.Cancelled, "The call was cancelled."));
        }

        var traceId = Activity.Current?.TraceId.ToString() ?? context.GetHttpContext().TraceIdentifier;
        if (ex is System.Data.Common.DbException { IsTransient: true } or Storage.StorageUnavailableException)
        {
            // The database is down or restarting: nothing of the call was committed, and the caller may retry it as it
            // was (a send with the same client message id is stored once).
            logger.LogWarning("{Method} failed, its database unavailable (trace {TraceId}): {Error}", context.Method, traceId, ex.Message);
            return new RpcException(new Status(StatusCode.Unavailable, $"The service's database cannot be reached just now; retry the call (trace {traceId})."));
        }

        logger.LogError(ex, "Unhandled error in {Method} (trace {TraceId})", context.Method, traceId);
        return new RpcException(new Status(StatusCode.Internal, $"An internal error occurred (trace {traceId})."));
    }
}
