using System.Security.Claims;
using Grpc.Core;
using Grpc.Core.Interceptors;
using LiaisonNet.ServiceDefaults.Grpc;
using LiaisonNet.ServiceDefaults.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LiaisonNet.ServiceDefaults.Access;

/// <summary>
/// Checks every gRPC call against the rule declared where its method was mapped (no rule: refused), then that the
/// caller's token agrees with the directory about who they are (where the service can ask), and records every refusal
/// in the audit trail, whichever check made it.
/// </summary>
public sealed class AccessInterceptor(ILogger<AccessInterceptor> logger) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await AdmitAsync(context);
            return await continuation(request, context);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.PermissionDenied)
        {
            await RecordAsync(context, ex.Status.Detail);
            throw;
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await AdmitAsync(context);
            await continuation(request, responseStream, context);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.PermissionDenied)
        {
            await RecordAsync(context, ex.Status.Detail);
            throw;
        }
    }

    private async Task AdmitAsync(ServerCallContext context)
    {
        var http = context.GetHttpContext();
        var rule = http.AccessRule() ?? throw RpcErrors.PermissionDenied("This call declares no access rule.");
        if (rule.Refusal(http.User) is { } refusal)
        {
            throw RpcErrors.PermissionDenied(refusal);
        }

        // Under mutual TLS a service's token is good only over a connection that proved it is that service's machine: a
        // client secret that leaked is of no use from anywhere else.
        if (http.RequestServices.GetService<ServiceTls>()?.Options.MutualTls == true && http.User.IsServiceClient() && http.User.Agency() is null
            && http.Connection.ClientCertificate is null)
        {
            throw RpcErrors.PermissionDenied("A service calls over mutual TLS: this connection presented no client certificate.");
        }

        if (http.RequestServices.GetService<ISubjectBinding>() is { } binding && !rule.IsAnonymous && await binding.MismatchAsync(http.User, context.CancellationToken) is { } mismatch)
        {
            // The agency whose entry the token claims learns of it too.
            http.Items[MismatchedAgencyKey] = mismatch.EntryAgency;
            throw RpcErrors.PermissionDenied(mismatch.Reason);
        }
    }

    private const string MismatchedAgencyKey = "liaison:mismatched-agency";

    private async Task RecordAsync(ServerCallContext context, string reason)
    {
        if (context.GetHttpContext().RequestServices.GetService<IAccessRefusals>() is not { } refusals)
        {
            return;
        }

        try
        {
            var http = context.GetHttpContext();
            await refusals.RecordAsync(new AccessRefusal(http.User, context.Method, reason, http.Items[MismatchedAgencyKey] as string), CancellationToken.None);
        }
        catch (Exception ex)
        {
            // The caller is refused either way; a refusal that could not be recorded is still in the service's log.
            logger.LogWarning("Could not record the refusal of {Method}: {Error}", context.Method, ex.Message);
        }
    }
}

