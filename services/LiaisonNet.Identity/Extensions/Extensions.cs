using LiaisonNet.Identity.Accounts;
using LiaisonNet.Identity.Admin;
using LiaisonNet.Identity.AuditTrail;
using LiaisonNet.Identity.Connect;
using LiaisonNet.Identity.Keys;
using LiaisonNet.Protos.Directory.V1;
using LiaisonNet.Identity.Seed;
using LiaisonNet.ServiceDefaults;
using LiaisonNet.ServiceDefaults.Access;
using LiaisonNet.ServiceDefaults.AuditTrail;
using LiaisonNet.ServiceDefaults.Grpc;
using LiaisonNet.ServiceDefaults.Hosting;
using LiaisonNet.ServiceDefaults.Security;
using LiaisonNet.ServiceDefaults.Storage;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.EntityFrameworkCore;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Validation.AspNetCore;
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
            .Validate(o => o.Senders.Values.All(s => s.Secret.Length >= 16 && s.Agency.Length > 0 && s.Country.Length == 2),
                "Identity:Senders:{client id} needs a Secret of at least 16 characters, an Agency and its two-letter Country.")
            .Validate(o => o.SigningKeyRotationPeriod > TimeSpan.Zero && o.SigningKeyCheckInterval > TimeSpan.Zero && o.SigningKeyPublishLead >= TimeSpan.Zero,
                "Identity:SigningKeyRotationPeriod and Identity:SigningKeyCheckInterval must be positive, Identity:SigningKeyPublishLead not negative.")
            .ValidateOnStart();

        // EF Core's own log of a failing command or connection repeats, with a stack trace, what the service reports
        // itself: a database that cannot be reached at start is one sentence naming the setting (ServiceMain), a failed
        // call Unavailable with a trace id (ErrorInterceptor). Its first-start probe of a missing history table is no error.
        builder.Logging.AddFilter("Microsoft.EntityFrameworkCore", LogLevel.Critical);

        // The database Liaison:Storage chooses; each keeps its own migrations of the one model.
        var storage = services.AddServiceDatabase(builder.Configuration, ServiceKind.Identity, "identity.db");
        if (storage is PostgresDatabase postgres)
        {
            services.AddDbContext<IdentityDb, PostgresIdentityDb>(db => db.UseNpgsql(postgres.DataSource));
        }
        else
        {
            services.AddDbContext<IdentityDb, SqliteIdentityDb>(db => db.UseSqlite($"Data Source={((SqliteDatabase)storage).Path}").AddInterceptors(new SqliteDurability()));
        }

        services.AddIdentity<LiaisonUser, IdentityRole>(identity =>
            {
                identity.Password.RequiredLength = 12;
                identity.Lockout.MaxFailedAccessAttempts = settings.MaxFailedSignIns;
                identity.Lockout.DefaultLockoutTimeSpan = settings.LockoutDuration;
                identity.Lockout.AllowedForNewUsers = true;
                identity.User.RequireUniqueEmail = false;
                identity.ClaimsIdentity.UserIdClaimType = Claims.Subject;
                identity.ClaimsIdentity.UserNameClaimType = Claims.Name;
                identity.ClaimsIdentity.RoleClaimType = Claims.Role;
                identity.Tokens.AuthenticatorTokenProvider = OneTimeAuthenticatorCodes.ProviderName;
            })
            .AddEntityFrameworkStores<IdentityDb>()
            .AddDefaultTokenProviders()
            .AddTokenProvider<OneTimeAuthenticatorCodes>(OneTimeAuthenticatorCodes.ProviderName);
        services.AddScoped<SecondFactorOutcome>();

        services.ConfigureApplicationCookie(cookie =>
        {
            cookie.Cookie.Name = ".liaison.identity";
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SameSite = SameSiteMode.Lax;
            cookie.Cookie.SecurePolicy = ServiceTlsExtensions.CookiePolicyFor(liaison.Urls.Issuer);
            cookie.LoginPath = "/account/login";
            cookie.ExpireTimeSpan = TimeSpan.FromHours(10);
            cookie.SlidingExpiration = false;
        });
        services.AddAntiforgery(antiforgery =>
        {
            antiforgery.Cookie.Name = ".liaison.identity.af";
            antiforgery.Cookie.SecurePolicy = ServiceTlsExtensions.CookiePolicyFor(liaison.Urls.Issuer);
        });

        // Old signing keys stay registered (and published) until every token they signed has expired.
        var signingKeys = new SigningKeyRing(folder, TimeProvider.System).Load(
            settings.SigningKeyRotationPeriod, settings.SigningKeyPublishLead,
            settings.RefreshTokenLifetime + settings.AccessTokenLifetime + TimeSpan.FromMinutes(5), settings.RotateSigningKeyNow);
        services.AddSingleton(signingKeys);
        services.AddHostedService<SigningKeyRotator>();

        services.AddOpenIddict()
            .AddCore(core => core.UseEntityFrameworkCore().UseDbContext<IdentityDb>())
            .AddServer(server =>
            {
                server.SetIssuer(liaison.Urls.Issuer);
                server.SetAuthorizationEndpointUris("connect/authorize")
                    .SetTokenEndpointUris("connect/token")
                    .SetDeviceAuthorizationEndpointUris("connect/device")
                    .SetEndUserVerificationEndpointUris("connect/verify")
                    .SetEndSessionEndpointUris("connect/endsession")
                    .SetUserInfoEndpointUris("connect/userinfo")
                    .SetIntrospectionEndpointUris("connect/introspect")
                    .SetRevocationEndpointUris("connect/revoke");
                // No implicit, hybrid or password flows: they are simply not enabled.
                server.AllowAuthorizationCodeFlow().RequireProofKeyForCodeExchange()
                    .AllowDeviceAuthorizationFlow()
                    .AllowClientCredentialsFlow()
                    .AllowRefreshTokenFlow();
                server.RegisterScopes(Scopes.OpenId, Scopes.Profile, Scopes.OfflineAccess,
                    LiaisonScopes.Directory, LiaisonScopes.Relay, LiaisonScopes.Audit, LiaisonScopes.AuditAppend, LiaisonScopes.Accounts, LiaisonScopes.AccountsLookup);
                server.SetAccessTokenLifetime(settings.AccessTokenLifetime)
                    .SetRefreshTokenLifetime(settings.RefreshTokenLifetime);
                // Rolling refresh tokens with no reuse leeway: presenting a redeemed refresh token revokes its whole family.
                server.SetRefreshTokenReuseLeeway(TimeSpan.Zero);
                // PKCE with S256 only: "plain" would give an intercepted code to whoever holds it.
                server.Configure(o =>
                {
                    o.CodeChallengeMethods.Clear();
                    o.CodeChallengeMethods.Add(CodeChallengeMethods.Sha256);
                });
                foreach (var key in signingKeys)
                {
                    server.AddSigningCredentials(new SigningCredentials(key.Key, SecurityAlgorithms.RsaSha256));
                }

                server.AddEncryptionKey(TokenKeys.LoadOrCreateEncryptionKey(folder));
                // Resource services validate access tokens themselves, from the published keys.
                server.DisableAccessTokenEncryption();
                var aspNetCore = server.UseAspNetCore();
                aspNetCore.EnableAuthorizationEndpointPassthrough()
                    .EnableTokenEndpointPassthrough()
                    .EnableEndUserVerificationEndpointPassthrough()
                    .EnableEndSessionEndpointPassthrough()
                    .EnableUserInfoEndpointPassthrough();
                // OpenIddict refuses requests over plain HTTP; an http:// issuer is the embedded default on loopback, or a
                // network explicitly allowed plain HTTP. Behind a balancer that ends TLS, the forwarded scheme is https.
                if (liaison.Urls.Issuer.Scheme == Uri.UriSchemeHttp)
                {
                    aspNetCore.DisableTransportSecurityRequirement();
                }
            })
            // The account administration API accepts access tokens for its own audience, checked against the local server.
            .AddValidation(validation =>
            {
                validation.UseLocalServer();
                validation.AddAudiences(LiaisonAudiences.Identity);
                validation.UseLiaisonTokenRules();
                validation.UseAspNetCore();
            });

        // Account administration over gRPC on its own HTTP/2 listener (cleartext HTTP/2 cannot share the pages' HTTP/1.1 port).
        var adminUrl = new Uri(liaison.Urls.IdentityAdmin);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ListenOn(adminUrl, adminUrl.Scheme == Uri.UriSchemeHttps ? HttpProtocols.Http1AndHttp2 : HttpProtocols.Http2,
            builder.Configuration.ListenHandle("IdentityAdmin"), builder.Tls().ListenerFor(adminUrl, askForClientCertificate: true)));
        builder.AddLiaisonGrpc();

        services.AddSingleton(TimeProvider.System);
        services.AddScoped<IdentityAudit>();
        // In a scope of its own: the refused request's unsaved changes never ride along.
        services.AddRefusalTrail(IdentityAudit.Source, async (sp, e, _) =>
        {
            await using var scope = sp.GetRequiredService<IServiceScopeFactory>().CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<IdentityAudit>().RecordNowAsync(e);
        });
        // The seeder creates the database before the outbox dispatcher first reads it.
        services.AddHostedService<IdentitySeeder>();
        services.AddServiceTokenSource(IdentityServerOptions.Section, LiaisonScopes.AuditAppend, LiaisonScopes.Directory);
        // Account ids and desks are checked against the directory when an administrator assigns them.
        services.AddServiceGrpcClient<DirectoryService.DirectoryServiceClient>(urls => urls.Directory, TimeSpan.FromSeconds(5));
        services.AddSingleton<DirectoryEntries>();
        services.AddAuditOutboxDelivery(sp => new IdentityAuditOutbox(sp.GetRequiredService<IServiceScopeFactory>()));

        services.AddAuthorization();
        services.AddScoped<PrincipalFactory>();
        return builder;
    }

    public static WebApplication MapIdentityService(this WebApplication app)
    {
        app.UseTrustedForwardedHeaders();
        // Pages set their own policy (one hashed style); every other answer may load and be framed by nothing.
        app.UseSecurityHeaders(SecurityHeaders.NothingPolicy);
        app.UseProtocolRequestGuard();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAccessRules();
        app.UseGrpcFrameGuard();
        app.UseAntiforgery();
        app.MapConnectEndpoints();
        app.MapDeviceDone();
        app.MapAccountEndpoints();
        var admin = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<LiaisonOptions>>().Value.Urls.IdentityAdmin;
        app.MapGrpcService<AccountAdminGrpcService>()
            .RequireHost($"*:{new Uri(admin).Port}")
            .RequireAuthorization(new AuthorizeAttribute { AuthenticationSchemes = OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme })
            .WithAccessRules(AccountAccess.AdminRules);
        app.MapGrpcService<AccountLookupGrpcService>()
            .RequireHost($"*:{new Uri(admin).Port}")
            .RequireAuthorization(new AuthorizeAttribute { AuthenticationSchemes = OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme })
            .WithAccessRules(AccountAccess.LookupRules);
        app.MapDefaultEndpoints();
        return app;
    }
}
