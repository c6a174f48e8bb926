using System.Text.Json;
using LiaisonNet.Identity.Accounts;
using LiaisonNet.ServiceDefaults.Hosting;
using LiaisonNet.ServiceDefaults.Security;
using LiaisonNet.ServiceDefaults.Storage;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace LiaisonNet.Identity.Seed;

/// <summary>
/// Creates the schema, the roles, the scopes and the registered clients at every start (updating secrets and addresses
/// from configuration), and the demo accounts once, when asked to.
/// </summary>
public sealed class IdentitySeeder(IServiceProvider services, IOptions<IdentityServerOptions> options, IOptions<LiaisonOptions> liaison, ILogger<IdentitySeeder> logger)
    : IHostedService
{
    public const string GatewayClientId = "liaison-gateway";
    public const string CliClientId = "liaison-cli";
    public const string CliRedirectUri = "http://127.0.0.1/callback";
    public const string DemoAutomationClientId = "liaison-demo-automation";

    /// <summary>Properties of a registered sender's client: the agency and country its tokens carry.</summary>
    public const string SenderAgencyProperty = "liaison_sender_agency";
    public const string SenderCountryProperty = "liaison_sender_country";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<IdentityDb>();
        await IdentitySchema.MigrateAsync(db, scope.ServiceProvider.GetRequiredService<ServiceDatabase>(), cancellationToken);

        var roles = scope.ServiceProvider.GetRequiredService<RoleManager<IdentityRole>>();
        foreach (var role in new[] { LiaisonRoles.Officer, LiaisonRoles.DeskOperator, LiaisonRoles.Auditor, LiaisonRoles.AgencyAdmin, LiaisonRoles.SystemAdmin })
        {
            if (!await roles.RoleExistsAsync(role))
            {
                await roles.CreateAsync(new IdentityRole(role));
            }
        }

        await SeedScopesAsync(scope.ServiceProvider.GetRequiredService<IOpenIddictScopeManager>(), cancellationToken);
        await SeedClientsAsync(scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>(), cancellationToken);
        if (options.Value.SeedDemoData)
        {
            await SeedDemoAccountsAsync(scope.ServiceProvider.GetRequiredService<UserManager<LiaisonUser>>());
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static async Task SeedScopesAsync(IOpenIddictScopeManager scopes, CancellationToken cancellationToken)
    {
        foreach (var (name, resource) in new[]
        {
            (LiaisonScopes.Directory, LiaisonAudiences.Directory), (LiaisonScopes.Relay, LiaisonAudiences.Relay),
            (LiaisonScopes.Audit, LiaisonAudiences.Audit), (LiaisonScopes.AuditAppend, LiaisonAudiences.Audit),
            (LiaisonScopes.Accounts, LiaisonAudiences.Identity), (LiaisonScopes.AccountsLookup, LiaisonAudiences.Identity),
        })
        {
            if (await scopes.FindByNameAsync(name, cancellationToken) is null)
            {
                await scopes.CreateAsync(new OpenIddictScopeDescriptor { Name = name, Resources = { resource } }, cancellationToken);
            }
        }
    }

    private async Task SeedClientsAsync(IOpenIddictApplicationManager applications, CancellationToken cancellationToken)
    {
        var gateway = liaison.Value.Urls.Gateway.TrimEnd('/');
        var userScopes = new[] { Permissions.Scopes.Profile, Permissions.Prefixes.Scope + LiaisonScopes.Directory, Permissions.Prefixes.Scope + LiaisonScopes.Relay, Permissions.Prefixes.Scope + LiaisonScopes.Audit, Permissions.Prefixes.Scope + LiaisonScopes.Accounts };
        var interactive = new[] { Permissions.Endpoints.Authorization, Permissions.Endpoints.Token, Permissions.GrantTypes.AuthorizationCode, Permissions.GrantTypes.RefreshToken, Permissions.ResponseTypes.Code };

        if (!string.IsNullOrEmpty(options.Value.GatewayClientSecret))
        {
            var descriptor = new OpenIddictApplicationDescriptor
            {
                ClientId = GatewayClientId,
                ClientSecret = options.Value.GatewayClientSecret,
                ClientType = ClientTypes.Confidential,
                ConsentType = ConsentTypes.Implicit,
                DisplayName = "LiaisonNet web gateway",
                RedirectUris = { new Uri($"{gateway}/signin-oidc") },
                PostLogoutRedirectUris = { new Uri($"{gateway}/signout-callback-oidc") },
                Requirements = { Requirements.Features.ProofKeyForCodeExchange },
            };
            descriptor.Permissions.UnionWith(interactive.Concat(userScopes));
            descriptor.Permissions.Add(Permissions.Endpoints.EndSession);
            await UpsertAsync(applications, descriptor, cancellationToken);
        }

        var cli = new OpenIddictApplicationDescriptor
        {
            ClientId = CliClientId,
            ClientType = ClientTypes.Public,
            ConsentType = ConsentTypes.Implicit,
            DisplayName = "LiaisonNet command-line tool",
            RedirectUris = { new Uri(CliRedirectUri) },
            Requirements = { Requirements.Features.ProofKeyForCodeExchange },
        };
        cli.Permissions.UnionWith(interactive.Concat(userScopes));
        // The command-line tool signs in with the device flow on machines without a browser.
        cli.Permissions.UnionWith([Permissions.Endpoints.DeviceAuthorization, Permissions.GrantTypes.DeviceCode]);
        await UpsertAsync(applications, cli, cancellationToken);

        foreach (var (clientId, secret) in options.Value.ServiceClientSecrets)
        {
            var service = new OpenIddictApplicationDescriptor
            {
                ClientId = clientId,
                ClientSecret = secret,
                ClientType = ClientTypes.Confidential,
                DisplayName = $"LiaisonNet service {clientId}",
                Permissions =
                {
                    Permissions.Endpoints.Token, Permissions.GrantTypes.ClientCredentials,
                    Permissions.Prefixes.Scope + LiaisonScopes.AuditAppend, Permissions.Prefixes.Scope + LiaisonScopes.Directory,
                    Permissions.Prefixes.Scope + LiaisonScopes.AccountsLookup,
                },
            };
            await UpsertAsync(applications, service, cancellationToken);
        }

        foreach (var (clientId, sender) in options.Value.Senders)
        {
            var descriptor = new OpenIddictApplicationDescriptor
            {
                ClientId = clientId,
                ClientSecret = sender.Secret,
                ClientType = ClientTypes.Confidential,
                DisplayName = sender.DisplayName.Length > 0 ? sender.DisplayName : clientId,
                Permissions =
                {
                    Permissions.Endpoints.Token, Permissions.GrantTypes.ClientCredentials,
                    Permissions.Prefixes.Scope + LiaisonScopes.Directory, Permissions.Prefixes.Scope + LiaisonScopes.Relay,
                },
            };
            descriptor.Properties[SenderAgencyProperty] = JsonSerializer.SerializeToElement(sender.Agency);
            descriptor.Properties[SenderCountryProperty] = JsonSerializer.SerializeToElement(sender.Country);
            await UpsertAsync(applications, descriptor, cancellationToken);
        }
    }

    private static async Task UpsertAsync(IOpenIddictApplicationManager applications, OpenIddictApplicationDescriptor descriptor, CancellationToken cancellationToken)
    {
        if (await applications.FindByClientIdAsync(descriptor.ClientId!, cancellationToken) is { } existing)
        {
            await applications.UpdateAsync(existing, descriptor, cancellationToken);
        }
        else
        {
            await applications.CreateAsync(descriptor, cancellationToken);
        }
    }

    private async Task SeedDemoAccountsAsync(UserManager<LiaisonUser> users)
    {
        foreach (var account in DemoAccounts.All)
        {
            if (await users.FindByIdAsync(account.Id) is not null)
            {
                continue;
            }

            var user = new LiaisonUser
            {
                Id = account.Id,
                UserName = account.UserName,
                DisplayName = account.DisplayName,
                Country = account.Country,
                Agency = account.Agency,
                LockoutEnabled = true,
            };
            var created = await users.CreateAsync(user, options.Value.DemoPassword);
            if (!created.Succeeded)
            {
                throw new InvalidOperationException($"Could not create demo account {account.UserName}: {string.Join("; ", created.Errors.Select(e => e.Description))}");
            }

            await users.AddToRolesAsync(user, account.Roles);
        }

        logger.LogInformation("Demo accounts ready: {Accounts}", string.Join(", ", DemoAccounts.All.Select(a => a.UserName)));
    }
}
