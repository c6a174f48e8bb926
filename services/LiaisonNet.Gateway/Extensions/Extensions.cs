using LiaisonNet.Gateway.Api;
using LiaisonNet.Gateway.Auth;
using LiaisonNet.Gateway.Hubs;
using LiaisonNet.Protos.Directory.V1;
using LiaisonNet.Protos.Relay.V1;
using LiaisonNet.ServiceDefaults;
using LiaisonNet.ServiceDefaults.Access;
using LiaisonNet.ServiceDefaults.Grpc;
using LiaisonNet.ServiceDefaults.Hosting;
using LiaisonNet.ServiceDefaults.Security;
using LiaisonNet.ServiceDefaults.Storage;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace LiaisonNet.Gateway.Extensions;

public static class Extensions
{
    public static WebApplicationBuilder AddGatewayService(this WebApplicationBuilder builder)
    {
        builder.AddServiceDefaults(ServiceKind.Gateway);
        var services = builder.Services;
        var urls = builder.Configuration.GetSection(LiaisonOptions.Section).Get<LiaisonOptions>()?.Urls ?? new ServiceUrls();
        services.AddOptions<GatewayOptions>().BindConfiguration(GatewayOptions.Section)
            .Validate(o => o.ClientSecret.Length > 0, "Gateway:ClientSecret is required (the gateway's client secret at the identity server).")
            .Validate(o => o.MaxHubConnectionsPerUser > 0, "Gateway:MaxHubConnectionsPerUser must be at least 1.")
            .ValidateOnStart();

        services.ConfigureHttpJsonOptions(json => Api.StrictJson.Configure(json.SerializerOptions));
        services.AddMemoryCache();
        services.AddSingleton(TimeProvider.System);
        services.AddServiceDatabase(builder.Configuration, ServiceKind.Gateway, "gateway.db");
        services.AddSingleton<ServerSideTickets>();
        services.AddHostedService(sp => sp.GetRequiredService<ServerSideTickets>());
        services.AddSingleton<IPostConfigureOptions<CookieAuthenticationOptions>, ConfigureTicketStore>();
        services.AddSingleton<TokenRefresher>();
        var tls = builder.Tls();
        services.AddHttpClient("liaison-tokens", http => http.Timeout = TimeSpan.FromSeconds(10))
            .ConfigurePrimaryHttpMessageHandler(() => tls.Configure(new HttpClientHandler()));

        services.AddAuthentication(auth =>
            {
                auth.DefaultScheme = CookieAuthenticationDefaults.AuthenticationScheme;
                auth.DefaultChallengeScheme = OpenIdConnectDefaults.AuthenticationScheme;
            })
            .AddCookie(cookie =>
            {
                cookie.Cookie.Name = ".liaison.session";
                cookie.Cookie.HttpOnly = true;
                cookie.Cookie.SameSite = SameSiteMode.Lax;
                cookie.Cookie.SecurePolicy = ServiceTlsExtensions.CookiePolicyFor(new Uri(urls.Gateway));
                cookie.SlidingExpiration = true;
                cookie.ExpireTimeSpan = TimeSpan.FromHours(8);
                cookie.Events.OnSigningIn = ServerSideTickets.AddSessionKey;
                cookie.Events.OnValidatePrincipal = context => context.HttpContext.RequestServices.GetRequiredService<TokenRefresher>().ValidateAsync(context);
                // The API and the hub answer 401 rather than redirecting a script to a sign-in page.
                cookie.Events.OnRedirectToLogin = context =>
                {
                    context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                    return Task.CompletedTask;
                };
                cookie.Events.OnRedirectToAccessDenied = context =>
                {
                    context.Response.StatusCode = StatusCodes.Status403Forbidden;
                    return Task.CompletedTask;
                };
            })
            .AddOpenIdConnect(oidc =>
            {
                oidc.Authority = urls.Issuer.ToString();
                oidc.RequireHttpsMetadata = urls.Issuer.Scheme == Uri.UriSchemeHttps;
                oidc.BackchannelHttpHandler = tls.Configure(new HttpClientHandler());
                oidc.ClientId = TokenRefresher.ClientId;
                oidc.ResponseType = OpenIdConnectResponseType.Code;
                oidc.ResponseMode = OpenIdConnectResponseMode.Query;
                oidc.UsePkce = true;
                oidc.SaveTokens = true;
                oidc.SignedOutCallbackPath = "/signout-callback-oidc";
                oidc.Events.OnRedirectToIdentityProviderForSignOut = context =>
                {
                    if (context.Properties.GetParameter<string>("id_token_hint") is { } hint)
                    {
                        context.ProtocolMessage.IdTokenHint = hint;
                    }

                    return Task.CompletedTask;
                };
                oidc.GetClaimsFromUserInfoEndpoint = false;
                oidc.MapInboundClaims = false;
                oidc.TokenValidationParameters.NameClaimType = "name";
                oidc.TokenValidationParameters.RoleClaimType = "role";
                oidc.Scope.Clear();
                foreach (var scope in new[] { "openid", "profile", "offline_access", LiaisonScopes.Directory, LiaisonScopes.Relay, LiaisonScopes.Audit, LiaisonScopes.Accounts })
                {
                    oidc.Scope.Add(scope);
                }

                oidc.CorrelationCookie.Name = ".liaison.correlation.";
                oidc.NonceCookie.Name = ".liaison.nonce.";
                oidc.CorrelationCookie.SameSite = SameSiteMode.Lax;
                oidc.NonceCookie.SameSite = SameSiteMode.Lax;
                // Secure (HTTPS-only) when the gateway is served over TLS; a loopback HTTP deployment could not sign in otherwise.
                oidc.CorrelationCookie.SecurePolicy = ServiceTlsExtensions.CookiePolicyFor(new Uri(urls.Gateway));
                oidc.NonceCookie.SecurePolicy = ServiceTlsExtensions.CookiePolicyFor(new Uri(urls.Gateway));
            });
        services.AddOptions<OpenIdConnectOptions>(OpenIdConnectDefaults.AuthenticationScheme)
            .Configure<IOptions<GatewayOptions>>((oidc, gateway) => oidc.ClientSecret = gateway.Value.ClientSecret);
        services.AddAuthorization();

        var signalR = services.AddSignalR(hub =>
        {
            hub.MaximumReceiveMessageSize = 32 * 1024;
            hub.EnableDetailedErrors = false;
            // Pings every 5 s, so that the page (which gives up after 10 s of silence) shows a dead link within seconds. Clients
            // are still given the default 30 s to ping back: the SDK's clients ping every 15 s.
            hub.KeepAliveInterval = TimeSpan.FromSeconds(5);
        });
        if (builder.Configuration.GetSection(LiaisonOptions.Section).Get<LiaisonOptions>()?.Redis is { Length: > 0 })
        {
            // Several gateway instances: whatever is sent to a connection, a user or a group reaches it on the instance that
            // holds it, through Redis, on this application's one Redis connection.
            signalR.AddStackExchangeRedis(redis => redis.Configuration.ChannelPrefix = StackExchange.Redis.RedisChannel.Literal("liaison:gateway:signalr"));
            services.AddOptions<Microsoft.AspNetCore.SignalR.StackExchangeRedis.RedisOptions>()
                .Configure<StackExchange.Redis.IConnectionMultiplexer>((redis, connection) => redis.ConnectionFactory = _ => Task.FromResult(connection));
        }
        services.AddSingleton<InboxPumps>();
        services.AddSingleton<HubConnections>();

        // Each with the user's own token per call; several instances of a service are used in the order given.
        services.AddLiaisonGrpcClient<DirectoryService.DirectoryServiceClient>(u => u.Directory);
        services.AddLiaisonGrpcClient<RelayService.RelayServiceClient>(u => u.Relay);
        services.AddLiaisonGrpcClient<LiaisonNet.Protos.Audit.V1.AuditService.AuditServiceClient>(u => u.Audit);
        services.AddLiaisonGrpcClient<DirectoryAdminService.DirectoryAdminServiceClient>(u => u.Directory);
        services.AddLiaisonGrpcClient<LiaisonNet.Protos.Identity.V1.AccountAdminService.AccountAdminServiceClient>(u => u.IdentityAdmin);
        return builder;
    }

    public static WebApplication MapGatewayService(this WebApplication app)
    {
        // The page, the API and the hub: same-origin only, never framed; signing out continues at the identity server.
        app.UseTrustedForwardedHeaders();
        var issuer = app.Services.GetRequiredService<IOptions<LiaisonOptions>>().Value.Urls.Issuer;
        app.UseSecurityHeaders(SecurityHeaders.SameOriginApp(issuer.GetLeftPart(UriPartial.Authority)));
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseJsonBodyGuard();
        app.Use(RejectCrossOriginHub);
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAccessRules();

        var webRoot = Path.Combine(AppContext.BaseDirectory, "wwwroot");
        if (Directory.Exists(webRoot))
        {
            var files = new PhysicalFileProvider(webRoot);
            app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
            app.UseStaticFiles(new StaticFileOptions { FileProvider = files });
        }
        else
        {
            app.MapGet("/", () => Results.Content("<!doctype html><title>LiaisonNet</title><p>The web client was not built (clients/web). The API is at /api.</p>", "text/html"))
                .WithAccessRule(AccessRule.Anonymous("A static notice that the page was not built."));
        }

        app.MapGet("/account/login", (string? returnUrl) =>
            Results.Challenge(new AuthenticationProperties { RedirectUri = SafeLocal(returnUrl) }, [OpenIdConnectDefaults.AuthenticationScheme]))
            .WithAccessRule(AccessRule.Anonymous("Starts the sign-in at the identity server; returns only to a local address."));
        // Ends the gateway session, revokes its refresh token, then ends the identity server's session too
        // (RP-initiated logout), so that the next sign-in asks for the password again.
        app.MapPost("/account/logout", async (HttpContext context, TokenRefresher refresher, LiaisonNet.ServiceDefaults.ScaleOut.IInstanceSignals signals) =>
        {
            var session = await context.AuthenticateAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            await context.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            if (!session.Succeeded)
            {
                return Results.LocalRedirect("/");
            }

            // The session's live connections close now, on whichever gateway instance holds them.
            if (session.Principal?.FindFirst(ServerSideTickets.SessionClaim)?.Value is { } key)
            {
                signals.Publish(InboxPumps.SessionEndedSignal, key);
            }

            await refresher.RevokeAsync(session.Properties, context.RequestAborted);
            var properties = new AuthenticationProperties { RedirectUri = "/" };
            if (session.Properties?.GetTokenValue("id_token") is { } idToken)
            {
                properties.SetParameter("id_token_hint", idToken);
            }

            return Results.SignOut(properties, [OpenIdConnectDefaults.AuthenticationScheme]);
        }).DisableAntiforgery().WithAccessRule(AccessRule.Anonymous("Ends the browser's own session; cross-origin requests are refused."));

        // Where a command-line or SDK client finds the rest of the system, given only the gateway's address.
        app.MapGet("/.well-known/liaisonnet", (IOptions<LiaisonOptions> liaison) =>
        {
            var urls = liaison.Value.Urls;
            return TypedResults.Ok(new SystemEndpointsDto(urls.Issuer.ToString(), urls.Directory, urls.Relay, urls.Audit, urls.IdentityAdmin));
        }).WithAccessRule(AccessRule.Anonymous("The public addresses of the services, as the identity server's discovery document gives its own; nothing else."));

        app.MapGatewayApi();
        app.MapHub<InboxHub>("/hubs/inbox")
            .WithAccessRule(AccessRule.Session(AccessCallers.AnyPerson).Checks("The session's own inbox; same-origin pages only."));
        app.MapDefaultEndpoints();
        return app;
    }

    private static string SafeLocal(string? url) =>
        url is { Length: > 0 and < 2000 } && url.StartsWith('/') && !url.StartsWith("//", StringComparison.Ordinal) && !url.StartsWith("/\\", StringComparison.Ordinal) ? url : "/";

    /// <summary>
    /// A browser sends the session cookie with a cross-site WebSocket too, and cannot be made to add a custom header to it:
    /// only pages of the gateway's own origin may open the hub.
    /// </summary>
    private static Task RejectCrossOriginHub(HttpContext context, Func<Task> next)
    {
        if ((context.Request.Path.StartsWithSegments("/hubs") || (context.Request.Path.StartsWithSegments("/account/logout")))
            && context.Request.Headers.Origin is [{ } origin, ..]
            && !string.Equals(origin, $"{context.Request.Scheme}://{context.Request.Host}", StringComparison.OrdinalIgnoreCase))
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            return Task.CompletedTask;
        }

        return next();
    }
}
