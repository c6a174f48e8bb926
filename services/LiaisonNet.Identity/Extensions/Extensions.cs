using LiaisonNet.Identity.Accounts;
using LiaisonNet.Identity.Connect;
using LiaisonNet.Identity.Keys;
using LiaisonNet.Identity.Seed;
using LiaisonNet.ServiceDefaults;
using LiaisonNet.ServiceDefaults.Hosting;
using LiaisonNet.ServiceDefaults.Security;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace LiaisonNet.Identity.Extensions;

public static class Extensions
{
    public static WebApplicationBuilder AddIdentityService(this WebApplicationBuilder builder)
    {
        builder.AddServiceDefaults(ServiceKind.Identity);
        var liaison = builder.Configuration.GetSection(LiaisonOptions.Section).Get<LiaisonOptions>() ?? new LiaisonOptions();
        var settings = builder.Configuration.GetSection(IdentityServerOptions.Section).Get<IdentityServerOptions>() ?? new IdentityServerOptions();
        var folder = liaison.DataFolderFor(ServiceKind.Identity.DataFolderName());
        var services = builder.Services;

        services.AddOptions<IdentityServerOptions>().BindConfiguration(IdentityServerOptions.Section)
            .Validate(o => !o.SeedDemoData || o.DemoPassword.Length >= 12, "Identity:DemoPassword (at least 12 characters) is required when Identity:SeedDemoData is true.")
            .ValidateOnStart();

        services.AddDbContext<IdentityDb>(db =>
        {
            db.UseSqlite($"Data Source={Path.Combine(folder, "identity.db")}");
            db.UseOpenIddict();
        });

        services.AddIdentity<LiaisonUser, IdentityRole>(identity =>
            {
                identity.Password.RequiredLength = 12;
                identity.Lockout.MaxFailedAccessAttempts = 5;
                identity.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(15);
                identity.Lockout.AllowedForNewUsers = true;
                identity.User.RequireUniqueEmail = false;
                identity.ClaimsIdentity.UserIdClaimType = Claims.Subject;
                identity.ClaimsIdentity.UserNameClaimType = Claims.Name;
                identity.ClaimsIdentity.RoleClaimType = Claims.Role;
            })
            .AddEntityFrameworkStores<IdentityDb>()
            .AddDefaultTokenProviders();

        services.ConfigureApplicationCookie(cookie =>
        {
            cookie.Cookie.Name = ".liaison.identity";
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SameSite = SameSiteMode.Lax;
            cookie.LoginPath = "/account/login";
            cookie.ExpireTimeSpan = TimeSpan.FromHours(10);
            cookie.SlidingExpiration = false;
        });
        services.AddAntiforgery(antiforgery => antiforgery.Cookie.Name = ".liaison.identity.af");

        services.AddOpenIddict()
            .AddCore(core => core.UseEntityFrameworkCore().UseDbContext<IdentityDb>())
            .AddServer(server =>
            {
                server.SetIssuer(liaison.Urls.Issuer);
                server.SetAuthorizationEndpointUris("connect/authorize")
                    .SetTokenEndpointUris("connect/token")
                    .SetIntrospectionEndpointUris("connect/introspect")
                    .SetRevocationEndpointUris("connect/revoke");
                server.AllowAuthorizationCodeFlow().RequireProofKeyForCodeExchange()
                    .AllowClientCredentialsFlow()
                    .AllowRefreshTokenFlow();
                server.RegisterScopes(Scopes.OpenId, Scopes.Profile, Scopes.OfflineAccess,
                    LiaisonScopes.Directory, LiaisonScopes.Relay, LiaisonScopes.Audit, LiaisonScopes.AuditAppend);
                server.SetAccessTokenLifetime(settings.AccessTokenLifetime)
                    .SetRefreshTokenLifetime(settings.RefreshTokenLifetime);
                server.AddSigningKey(TokenKeys.LoadOrCreateSigningKey(folder))
                    .AddEncryptionKey(TokenKeys.LoadOrCreateEncryptionKey(folder));
                // Resource services validate access tokens themselves, from the published keys.
                server.DisableAccessTokenEncryption();
                server.UseAspNetCore()
                    .EnableAuthorizationEndpointPassthrough()
                    .EnableTokenEndpointPassthrough()
                    .DisableTransportSecurityRequirement();
            });

        services.AddAuthorization();
        services.AddScoped<PrincipalFactory>();
        services.AddHostedService<IdentitySeeder>();
        return builder;
    }

    public static WebApplication MapIdentityService(this WebApplication app)
    {
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();
        app.MapConnectEndpoints();
        app.MapAccountEndpoints();
        app.MapDefaultEndpoints();
        return app;
    }
}
