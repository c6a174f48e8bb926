using Google.Protobuf;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace LiaisonNet.ServiceDefaults.Grpc;

/// <summary>Refuses a request that breaks <see cref="InputRules"/> with InvalidArgument, before access checks or handlers see it.</summary>
public sealed class InputInterceptor : Interceptor
{
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Check(request);
        return continuation(request, context);
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Check(request);
        return continuation(request, responseStream, context);
    }

    private static void Check(object request)
    {
        if (request is IMessage message)
        {
            InputRules.Check(message).ThrowIfAny();
        }
    }
}
