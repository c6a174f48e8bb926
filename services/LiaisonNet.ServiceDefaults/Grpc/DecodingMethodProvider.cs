using System.Reflection;
using System.Text;
using Google.Protobuf;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace LiaisonNet.ServiceDefaults.Grpc;

/// <summary>
/// Binds each gRPC service as gRPC's own binder does, but with request decoding that fails cleanly: a request that is
/// not a valid message of its type (truncated, invalid UTF-8, nested too deeply) answers InvalidArgument "could not be
/// decoded" with a short reason, logged once as a warning without a stack trace, instead of UNKNOWN and an error.
/// </summary>
public sealed class DecodingMethodProvider<TService>(ILoggerFactory loggers) : IServiceMethodProvider<TService> where TService : class
{
    private readonly ILogger _logger = loggers.CreateLogger("LiaisonNet.Grpc.Decoding");

    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<TService> context)
    {
        if (BindMethod(typeof(TService)) is { } bind)
        {
            bind.Invoke(null, [new Binder(context, bind.GetParameters()[1].ParameterType, _logger), null]);
        }
    }

    /// <summary>The generated static BindService(ServiceBinderBase, TServiceBase), named by the base class's attribute.</summary>
    private static MethodInfo? BindMethod(Type service)
    {
        for (var type = service; type is not null; type = type.BaseType)
        {
            if (type.GetCustomAttribute<BindServiceMethodAttribute>() is { } attribute)
            {
                return attribute.BindType.GetMethod(attribute.BindMethodName, BindingFlags.Public | BindingFlags.Static, [typeof(ServiceBinderBase), type]);
            }
        }

        return null;
    }

    private sealed class Binder(ServiceMethodProviderContext<TService> context, Type serviceBase, ILogger logger) : ServiceBinderBase
    {
        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler)
        {
            var (invoker, metadata) = Model<UnaryServerMethod<TService, TRequest, TResponse>>(method.Name, typeof(TRequest), typeof(ServerCallContext));
            context.AddUnaryMethod(Decoding(method), metadata, invoker);
        }

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse>? handler)
        {
            var (invoker, metadata) = Model<ServerStreamingServerMethod<TService, TRequest, TResponse>>(
                method.Name, typeof(TRequest), typeof(IServerStreamWriter<TResponse>), typeof(ServerCallContext));
            context.AddServerStreamingMethod(Decoding(method), metadata, invoker);
        }

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse>? handler)
        {
            var (invoker, metadata) = Model<ClientStreamingServerMethod<TService, TRequest, TResponse>>(
                method.Name, typeof(IAsyncStreamReader<TRequest>), typeof(ServerCallContext));
            context.AddClientStreamingMethod(Decoding(method), metadata, invoker);
        }

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse>? handler)
        {
            var (invoker, metadata) = Model<DuplexStreamingServerMethod<TService, TRequest, TResponse>>(
                method.Name, typeof(IAsyncStreamReader<TRequest>), typeof(IServerStreamWriter<TResponse>), typeof(ServerCallContext));
            context.AddDuplexStreamingMethod(Decoding(method), metadata, invoker);
        }

        private Method<TRequest, TResponse> Decoding<TRequest, TResponse>(Method<TRequest, TResponse> method)
            where TRequest : class where TResponse : class
        {
            var decode = method.RequestMarshaller.ContextualDeserializer;
            var marshaller = new Marshaller<TRequest>(method.RequestMarshaller.ContextualSerializer, payload =>
            {
                try
                {
                    return decode(payload);
                }
                catch (Exception ex) when (ex is InvalidProtocolBufferException or DecoderFallbackException or ArgumentException)
                {
                    var reason = ex.Message.Length <= 200 ? ex.Message : ex.Message[..200];
                    logger.LogWarning("Could not decode a request to {Method}: {Reason}", method.FullName, reason);
                    throw new RpcException(new Status(StatusCode.InvalidArgument, $"The request could not be decoded: {reason}"));
                }
            });
            return new Method<TRequest, TResponse>(method.Type, method.ServiceName, method.Name, marshaller, method.ResponseMarshaller);
        }

        /// <summary>The handler of the service class that overrides the generated base method, and its attributes, as gRPC's binder finds them.</summary>
        private (TDelegate Invoker, List<object> Metadata) Model<TDelegate>(string name, params Type[] parameters) where TDelegate : Delegate
        {
            for (var type = typeof(TService); type is not null; type = type.BaseType)
            {
                var handler = type.GetMethod(name, BindingFlags.Public | BindingFlags.Instance, parameters);
                if (handler is null)
                {
                    break;
                }

                if (handler.IsVirtual && handler.GetBaseDefinition().DeclaringType == serviceBase)
                {
                    var metadata = new List<object>();
                    metadata.AddRange(typeof(TService).GetCustomAttributes(inherit: true));
                    metadata.AddRange(handler.GetCustomAttributes(inherit: true));
                    metadata.Add(new HttpMethodMetadata(["POST"], acceptCorsPreflight: true));
                    return ((TDelegate)Delegate.CreateDelegate(typeof(TDelegate), handler), metadata);
                }
            }

            throw new InvalidOperationException($"Could not find '{name}' on {typeof(TService)}.");
        }
    }
}
