using Grpc.AspNetCore.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace LiaisonNet.ServiceDefaults.Access;

/// <summary>Declares access rules where RPCs and routes are mapped, as endpoint metadata that the checks read.</summary>
public static class AccessEndpoints
{
    /// <summary>Gives every method of the service its rule; start-up fails when one has none.</summary>
    public static GrpcServiceEndpointConventionBuilder WithAccessRules(this GrpcServiceEndpointConventionBuilder builder, AccessRules rules)
    {
        rules.ThrowIfIncomplete();
        builder.Add(endpoint =>
        {
            // gRPC's own "unimplemented method" endpoints name no method of the descriptor and answer UNIMPLEMENTED.
            if (endpoint.Metadata.OfType<GrpcMethodMetadata>().FirstOrDefault() is { } grpc && rules.Find(grpc.Method.Name) is { } rule)
            {
                endpoint.Metadata.Add(rule);
            }
        });
        return builder;
    }

    public static TBuilder WithAccessRule<TBuilder>(this TBuilder builder, AccessRule rule) where TBuilder : IEndpointConventionBuilder
    {
        builder.Add(endpoint => endpoint.Metadata.Add(rule));
        return builder;
    }

    /// <summary>The rule of the endpoint a request was routed to, if it declares one.</summary>
    public static AccessRule? AccessRule(this HttpContext context) => context.GetEndpoint()?.Metadata.GetMetadata<AccessRule>();

    /// <summary>
    /// Enforces the rule of every routed HTTP request that is not a gRPC call (those are checked by
    /// <see cref="AccessInterceptor"/>): an endpoint without a rule is refused, so a new route cannot ship unguarded.
    /// </summary>
    public static IApplicationBuilder UseAccessRules(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var endpoint = context.GetEndpoint();
        if (endpoint is null || endpoint.Metadata.GetMetadata<GrpcMethodMetadata>() is not null)
        {
            await next();
            return;
        }

        var rule = endpoint.Metadata.GetMetadata<AccessRule>();
        var refusal = rule is null ? "This route declares no access rule." : rule.Refusal(context.User);
        if (refusal is null)
        {
            await next();
            return;
        }

        var signedIn = context.User.Identity?.IsAuthenticated == true;
        await Results.Problem(refusal, statusCode: signedIn ? StatusCodes.Status403Forbidden : StatusCodes.Status401Unauthorized,
            title: signedIn ? "Not allowed." : "Sign in first.").ExecuteAsync(context);
    });
}
