using System.Text.Json;
using LiaisonNet.ServiceDefaults.Grpc;
using Microsoft.AspNetCore.Http.Features;

namespace LiaisonNet.Identity.Connect;

/// <summary>
/// Refuses a protocol request (/connect/...) whose parameters cannot be read, are too many, or hold control characters,
/// with OAuth's invalid_request (400) before OpenIddict reads it.
/// </summary>
public static class ProtocolRequestGuard
{
    /// <summary>More parameters than any OAuth or OpenID Connect request has.</summary>
    public const int MaxParameters = 64;

    public static IApplicationBuilder UseProtocolRequestGuard(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (!context.Request.Path.StartsWithSegments("/connect"))
        {
            await next();
            return;
        }

        if (Refusal(context.Request.Query) is { } queryProblem)
        {
            await RefuseAsync(context, queryProblem);
            return;
        }

        if (context.Request.HasFormContentType)
        {
            IFormCollection form;
            try
            {
                form = await context.Request.ReadFormAsync(new FormOptions { ValueCountLimit = MaxParameters, KeyLengthLimit = 200, ValueLengthLimit = 16 * 1024 },
                    context.RequestAborted);
            }
            catch (Exception ex) when (ex is InvalidDataException or BadHttpRequestException or IOException or FormatException)
            {
                await RefuseAsync(context, $"The form could not be read: at most {MaxParameters} parameters of at most 16 KiB each.");
                return;
            }

            if (Refusal(form) is { } formProblem)
            {
                await RefuseAsync(context, formProblem);
                return;
            }
        }

        await next();
    });

    private static string? Refusal(IEnumerable<KeyValuePair<string, Microsoft.Extensions.Primitives.StringValues>> parameters)
    {
        var count = 0;
        foreach (var (key, values) in parameters)
        {
            if (++count > MaxParameters)
            {
                return $"At most {MaxParameters} parameters.";
            }

            if (InputRules.ForbiddenCharacter(key) >= 0 || key.Contains('\n') || key.Contains('\r'))
            {
                return "A parameter name holds a control character.";
            }

            // No protocol parameter holds a control character, not even a line break.
            if (values.Any(v => v is not null && (InputRules.ForbiddenCharacter(v) >= 0 || v.AsSpan().IndexOfAny('\r', '\n', '\t') >= 0)))
            {
                return $"The parameter {RpcErrors.Quote(key)} holds a control character.";
            }
        }

        return null;
    }

    private static async Task RefuseAsync(HttpContext context, string description)
    {
        context.Response.StatusCode = StatusCodes.Status400BadRequest;
        context.Response.ContentType = "application/json;charset=UTF-8";
        context.Response.Headers.CacheControl = "no-store";
        await JsonSerializer.SerializeAsync(context.Response.Body, new Dictionary<string, string> { ["error"] = "invalid_request", ["error_description"] = description });
    }
}
