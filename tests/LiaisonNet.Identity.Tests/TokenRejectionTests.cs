using System.Security.Claims;
using System.Security.Cryptography;
using Grpc.Core;
using LiaisonNet.Client;
using LiaisonNet.Client.Auth;
using LiaisonNet.Protos.Directory.V1;
using LiaisonNet.Protos.Identity.V1;
using LiaisonNet.Protos.Relay.V1;
using LiaisonNet.TestKit;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace LiaisonNet.Identity.Tests;

/// <summary>
/// Tokens minted by the test with the identity server's own signing key (read from its data folder), so that exactly one
/// property is wrong in each; a correct one minted the same way is accepted, which shows the refusals are for that property.
/// </summary>
public sealed class TokenRejectionTests(SystemFixture fixture) : IClassFixture<SystemFixture>
{
    private static readonly string[] AllAudiences = ["liaison-directory", "liaison-relay", "liaison-audit", "liaison-identity"];

    private RunningSystem System => fixture.System;

    [Fact]
    public async Task ACorrectlyMintedTokenIsAcceptedEverywhere()
    {
        await AssertAcceptedEverywhere(Mint());
    }

    public static TheoryData<string> BadTokens => ["expired", "not-yet-valid", "wrong-issuer", "wrong-audience", "other-key", "hmac", "alg-none", "id-token-type"];

    [Theory]
    [MemberData(nameof(BadTokens))]
    public async Task EveryServiceRejects(string kind)
    {
        var now = DateTime.UtcNow;
        var token = kind switch
        {
            "expired" => Mint(notBefore: now.AddMinutes(-10), expires: now.AddMinutes(-1)),
            "not-yet-valid" => Mint(notBefore: now.AddHours(1), expires: now.AddHours(2)),
            "wrong-issuer" => Mint(issuer: "http://identity.example.org/"),
            "wrong-audience" => Mint(audiences: ["liaison-elsewhere"]),
            "other-key" => Mint(key: OtherKeyWithTheSameId()),
            "hmac" => Mint(credentials: new SigningCredentials(new SymmetricSecurityKey(RandomNumberGenerator.GetBytes(32)) { KeyId = SigningKey().KeyId }, SecurityAlgorithms.HmacSha256)),
            "alg-none" => Unsigned(),
            "id-token-type" => Mint(type: "JWT"),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
        await AssertRejectedEverywhere(token);
    }

    [Fact]
    public async Task ARealIdTokenIsNotAnAccessToken()
    {
        var tokens = await new OidcSignIn(System.Urls).TokensForAsync("sattarkhanov", Support.Password);
        Assert.NotNull(tokens.IdToken);
        await AssertRejectedEverywhere(tokens.IdToken!);
    }

    private async Task AssertAcceptedEverywhere(string token)
    {
        using var client = new LiaisonClient(System.Endpoints, new StaticTokenSource(token));
        Assert.NotNull(await client.Directory.SearchOfficersAsync(new SearchOfficersRequest { Query = "Asanov" }));
        Assert.NotNull(await client.Relay.ListInboxAsync(new ListInboxRequest()));
        Assert.NotNull(await client.Audit.GetCheckpointAsync(new Protos.Audit.V1.GetCheckpointRequest()));
        // Authenticated, then refused for not being an administrator: not Unauthenticated.
        await Support.AssertStatus(StatusCode.PermissionDenied, () => client.Accounts.ListAccountsAsync(new ListAccountsRequest()).ResponseAsync);
    }

    private async Task AssertRejectedEverywhere(string token)
    {
        using var client = new LiaisonClient(System.Endpoints, new StaticTokenSource(token));
        await Support.AssertStatus(StatusCode.Unauthenticated, () => client.Directory.SearchOfficersAsync(new SearchOfficersRequest { Query = "Asanov" }).ResponseAsync);
        await Support.AssertStatus(StatusCode.Unauthenticated, () => client.Relay.ListInboxAsync(new ListInboxRequest()).ResponseAsync);
        await Support.AssertStatus(StatusCode.Unauthenticated, () => client.Audit.GetCheckpointAsync(new Protos.Audit.V1.GetCheckpointRequest()).ResponseAsync);
        await Support.AssertStatus(StatusCode.Unauthenticated, () => client.Accounts.ListAccountsAsync(new ListAccountsRequest()).ResponseAsync);
    }

    private string Mint(DateTime? notBefore = null, DateTime? expires = null, string? issuer = null, string[]? audiences = null,
        RsaSecurityKey? key = null, SigningCredentials? credentials = null, string type = "at+jwt")
    {
        var now = DateTime.UtcNow;
        var claims = new Dictionary<string, object>
        {
            ["sub"] = "kg-bs-asanov", ["name"] = "Asanov Bakyt", ["agency"] = "KG-BS", ["country"] = "KG", ["role"] = "officer",
            ["client_id"] = OidcSignIn.CliClientId, ["scope"] = "openid directory relay audit accounts", ["jti"] = Guid.NewGuid().ToString(),
            ["aud"] = audiences ?? AllAudiences,
        };
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer ?? System.Urls.Issuer.ToString(),
            Claims = claims,
            IssuedAt = notBefore ?? now,
            NotBefore = notBefore ?? now,
            Expires = expires ?? now.AddMinutes(5),
            TokenType = type,
            SigningCredentials = credentials ?? new SigningCredentials(key ?? SigningKey(), SecurityAlgorithms.RsaSha256),
        });
    }

    private string Unsigned()
    {
        var signed = Mint();
        var header = Base64UrlEncoder.Encode("{\"alg\":\"none\",\"typ\":\"at+jwt\"}");
        return $"{header}.{signed.Split('.')[1]}.";
    }

    /// <summary>The key the identity server signs with now (in its key folder, the latest already active).</summary>
    private RsaSecurityKey SigningKey()
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var path = global::System.IO.Directory.GetFiles(Path.Combine(System.DataPath, "identity", "signing-keys"), "signing-*.pem")
            .Where(p => long.Parse(Path.GetFileNameWithoutExtension(p)["signing-".Length..], global::System.Globalization.CultureInfo.InvariantCulture) <= now)
            .Max()!;
        var rsa = RSA.Create();
        rsa.ImportFromPem(File.ReadAllText(path));
        return new RsaSecurityKey(rsa) { KeyId = Base64UrlEncoder.Encode(SHA256.HashData(rsa.ExportSubjectPublicKeyInfo())[..12]) };
    }

    private RsaSecurityKey OtherKeyWithTheSameId() => new(RSA.Create(3072)) { KeyId = SigningKey().KeyId };
}
