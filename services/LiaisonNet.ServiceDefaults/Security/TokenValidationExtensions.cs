using LiaisonNet.ServiceDefaults.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Validation.AspNetCore;

namespace LiaisonNet.ServiceDefaults.Security;

public static class TokenValidationExtensions
{
    /// <summary>
    /// Accepts only access tokens issued by the LiaisonNet identity server for <paramref name="audience"/>:
    /// issuer, audience, lifetime, signature (keys from the issuer's JWKS) and token type are all checked.
    /// </summary>
    public static WebApplicationBuilder AddTokenValidation(this WebApplicationBuilder builder, string audience)
    {
        var urls = builder.Configuration.GetSection(LiaisonOptions.Section).Get<LiaisonOptions>()?.Urls ?? new ServiceUrls();

        builder.Services.AddOpenIddict()
            .AddValidation(options =>
            {
                options.SetIssuer(urls.Issuer);
                options.AddAudiences(audience);
                options.UseSystemNetHttp();
                options.UseAspNetCore();
                options.Configure(o =>
                {
                    // Only the algorithm the identity server signs with; "none" and HMAC can never be chosen by a token.
                    o.TokenValidationParameters.ValidAlgorithms = [SecurityAlgorithms.RsaSha256];
                    // Enough for hosts kept in step by NTP; short, so that an expired or disabled account's token stops soon after its lifetime.
                    o.TokenValidationParameters.ClockSkew = TimeSpan.FromSeconds(5);
                });
            });

        builder.Services.AddAuthentication(OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme);
        builder.Services.AddAuthorization();
        return builder;
    }
}
