using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Http;
using OpenIddict.Validation;
using OpenIddict.Validation.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace LiaisonNet.ServiceDefaults.Security;

/// <summary>
/// When a token cannot be checked at all (OpenIddict's <c>server_error</c>: the identity server's metadata or keys could
/// not be fetched, even after the retries), the call is refused as Unavailable, for gRPC in a trailers-only answer and
/// for HTTP as a 503, instead of OpenIddict's HTTP 500 (which gRPC clients read as UNKNOWN). Nothing is let through:
/// without keys no token is accepted.
/// </summary>
public static class KeysUnavailableGuard
{
    public const string Reason = "The identity server cannot be reached to check the access token; nothing was done. Retry shortly.";

    /// <summary>The handler for <typeparamref name="TContext"/>, right after OpenIddict chooses the status code, before it writes the answer.</summary>
    public static OpenIddictValidationHandlerDescriptor For<TContext>()
        where TContext : OpenIddictValidationEvents.BaseRequestContext =>
        OpenIddictValidationHandlerDescriptor.CreateBuilder<TContext>()
            .UseSingletonHandler<Handler<TContext>>()
            .SetOrder(OpenIddictValidationAspNetCoreHandlers.AttachHttpResponseCode<TContext>.Descriptor.Order + 1)
            .SetType(OpenIddictValidationHandlerType.Custom)
            .Build();

    private sealed class Handler<TContext> : IOpenIddictValidationHandler<TContext>
        where TContext : OpenIddictValidationEvents.BaseRequestContext
    {
        public ValueTask HandleAsync(TContext context)
        {
            if (context.Transaction.Response?.Error != Errors.ServerError || context.Transaction.GetHttpRequest()?.HttpContext is not { } http || http.Response.HasStarted)
            {
                return ValueTask.CompletedTask;
            }

            if (http.Request.ContentType?.StartsWith("application/grpc", StringComparison.Ordinal) == true)
            {
                http.Response.StatusCode = StatusCodes.Status200OK;
                http.Response.ContentType = "application/grpc";
                http.Response.Headers["grpc-status"] = "14";
                http.Response.Headers["grpc-message"] = Uri.EscapeDataString(Reason);
                context.HandleRequest();
                return ValueTask.CompletedTask;
            }

            http.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return ValueTask.CompletedTask;
        }
    }
}
