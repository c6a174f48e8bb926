using LiaisonNet.ServiceDefaults.Hosting;
using LiaisonNet.ServiceDefaults.Resilience;
using Polly;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.IdentityModel.Tokens;
using Microsoft.IdentityModel.JsonWebTokens;
using OpenIddict.Abstractions;
using OpenIddict.Validation;
using OpenIddict.Validation.AspNetCore;

namespace LiaisonNet.ServiceDefaults.Security;

public static class TokenValidationExtensions
{
    private static readonly TimeSpan NotBeforeSkew = TimeSpan.FromSeconds(5);

    /// <summary>The chaos target of the identity server's metadata and keys, as every service fetches them.</summary>
    public const string KeysTarget = "identity-keys";
    /// <summary>
    /// Accepts only access tokens issued by the LiaisonNet identity server for <paramref name="audience"/>:
    /// issuer, audience, lifetime, signature (keys from the issuer's JWKS) and token type are all checked.
    /// </summary>
    public static WebApplicationBuilder AddTokenValidation(this WebApplicationBuilder builder, string audience)
    {
        var urls = builder.Configuration.GetSection(LiaisonOptions.Section).Get<LiaisonOptions>()?.Urls ?? new ServiceUrls();
        var tls = builder.Tls();
        var chaos = builder.Services.LastOrDefault(d => d.ServiceType == typeof(Resilience.ChaosSwitch))?.ImplementationInstance as Resilience.ChaosSwitch
            ?? throw new InvalidOperationException("AddServiceDefaults comes first.");

        builder.Services.AddOpenIddict()
            .AddValidation(options =>
            {
                options.SetIssuer(urls.Issuer);
                options.AddAudiences(audience);
                // The issuer's metadata and keys are fetched over TLS checked like every call between services.
                // Retried when the identity server does not answer (six times: without keys nothing is accepted); never skipped.
                options.UseSystemNetHttp().ConfigureHttpClientHandler(handler => tls.Configure(handler))
                    .SetHttpResiliencePipeline(pipeline => pipeline
                        .AddRetry(new Microsoft.Extensions.Http.Resilience.HttpRetryStrategyOptions
                        {
                            MaxRetryAttempts = 6, Delay = TimeSpan.FromMilliseconds(100), BackoffType = Polly.DelayBackoffType.Exponential, UseJitter = true,
                            OnRetry = _ =>
                            {
                                chaos.Count(KeysTarget, Resilience.ChaosSwitch.Events.Retried);
                                return ValueTask.CompletedTask;
                            },
                        })
                        .AddChaos(chaos, KeysTarget));
                options.UseAspNetCore();
                options.UseLiaisonTokenRules();
                options.AddEventHandler(KeysUnavailableGuard.For<OpenIddictValidationEvents.ProcessChallengeContext>());
                options.AddEventHandler(KeysUnavailableGuard.For<OpenIddictValidationEvents.ProcessErrorContext>());
            });

        builder.Services.AddAuthentication(OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme);
        builder.Services.AddAuthorization();
        return builder;
    }

    /// <summary>
    /// The rules every LiaisonNet token check adds to OpenIddict's (issuer, audience, expiry, signature, token type):
    /// RS256 only, a 5 s clock-skew allowance, and "nbf" enforced.
    /// </summary>
    public static OpenIddictValidationBuilder UseLiaisonTokenRules(this OpenIddictValidationBuilder options)
    {
        options.Configure(o =>
        {
            // Only the algorithm the identity server signs with; "none" and HMAC can never be chosen by a token.
            o.TokenValidationParameters.ValidAlgorithms = [SecurityAlgorithms.RsaSha256];
            // Enough for hosts kept in step by NTP; short, so that an expired or disabled account's token stops soon after its lifetime.
            o.TokenValidationParameters.ClockSkew = NotBeforeSkew;
        });
        // A token that passed every check is remembered until it expires, so that its signature is not verified again at
        // each call; expiry, audience and the other principal checks still run on every call.
        options.Services.TryAddSingleton(TimeProvider.System);
        options.Services.TryAddSingleton<ValidatedTokenCache>();
        options.AddEventHandler<OpenIddictValidationEvents.ValidateTokenContext>(handler => handler
            .UseSingletonHandler(sp => new ValidatedTokenCache.Restore(sp.GetRequiredService<ValidatedTokenCache>()))
            // Before OpenIddict's own IdentityModel validation, which leaves an attached principal alone.
            .SetOrder(OpenIddictValidationHandlers.Protection.ValidateIdentityModelToken.Descriptor.Order - 500)
            .SetType(OpenIddictValidationHandlerType.Custom));
        // OpenIddict checks the expiry itself but not "nbf": a token dated in the future is refused here.
        options.AddEventHandler<OpenIddictValidationEvents.ValidateTokenContext>(handler => handler
            .UseInlineHandler(context =>
            {
                if (context.Token is { Length: > 0 } token && !ValidatedTokenCache.CameFromCache(context)
                    && new JsonWebToken(token) is { ValidFrom: var from } && from != DateTime.MinValue
                    && from > context.Options.TimeProvider.GetUtcNow().UtcDateTime + NotBeforeSkew)
                {
                    context.Reject(OpenIddictConstants.Errors.InvalidToken, "The token is not valid yet.");
                }

                return default;
            })
            .SetOrder(int.MaxValue - 100_000)
            .SetType(OpenIddictValidationHandlerType.Custom));
        options.AddEventHandler<OpenIddictValidationEvents.ValidateTokenContext>(handler => handler
            .UseSingletonHandler(sp => new ValidatedTokenCache.Remember(sp.GetRequiredService<ValidatedTokenCache>()))
            .SetOrder(int.MaxValue - 50_000)
            .SetType(OpenIddictValidationHandlerType.Custom));
        return options;
    }
}
