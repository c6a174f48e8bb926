using System.Security.Cryptography;
using System.Text.Json;

namespace LiaisonNet.Host;

/// <summary>
/// The secrets the embedded services share (client secrets, the body encryption key), generated at first start and kept in the
/// data folder (owner read/write only), so that a restart finds the same ones.
/// </summary>
public sealed record HostSecrets(string GatewayClientSecret, string RelayClientSecret, string BodyKey, string? IdentityClientSecret = null, string? DirectoryClientSecret = null)
{
    public const string DemoPassword = "Liaison-Demo-2026";
    public const string DemoAutomationClientId = "liaison-demo-automation";
    public const string DemoAutomationSecret = "demo-automation-secret-embedded-only";

    public static HostSecrets LoadOrCreate(string dataPath)
    {
        System.IO.Directory.CreateDirectory(dataPath);
        var path = Path.Combine(dataPath, "host-secrets.json");
        var secrets = File.Exists(path)
            ? JsonSerializer.Deserialize<HostSecrets>(File.ReadAllText(path)) ?? throw new InvalidOperationException($"{path} is empty.")
            : new HostSecrets(Random(32), Random(32), Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        if (secrets.IdentityClientSecret is not null && secrets.DirectoryClientSecret is not null && File.Exists(path))
        {
            return secrets;
        }

        // First start, or a data folder from before a service had a client of its own.
        secrets = secrets with
        {
            IdentityClientSecret = secrets.IdentityClientSecret ?? Random(32),
            DirectoryClientSecret = secrets.DirectoryClientSecret ?? Random(32),
        };
        File.WriteAllText(path, JsonSerializer.Serialize(secrets));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        return secrets;
    }

    private static string Random(int bytes) => Convert.ToBase64String(RandomNumberGenerator.GetBytes(bytes)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>The configuration every embedded service receives.</summary>
    public Dictionary<string, string?> ToConfiguration(string dataPath) => new()
    {
        ["Liaison:DataPath"] = dataPath,
        ["Identity:SeedDemoData"] = "true",
        ["Identity:DemoPassword"] = DemoPassword,
        ["Identity:GatewayClientSecret"] = GatewayClientSecret,
        ["Identity:ServiceClientSecrets:liaison-relay"] = RelayClientSecret,
        ["Identity:ServiceClientSecrets:liaison-identity"] = IdentityClientSecret,
        ["Identity:ServiceClient:ClientId"] = "liaison-identity",
        ["Identity:ServiceClient:ClientSecret"] = IdentityClientSecret,
        // The demo automation client sends for KZ-BS, under the directory's demo sender entry of the same id.
        [$"Identity:Senders:{DemoAutomationClientId}:Secret"] = DemoAutomationSecret,
        [$"Identity:Senders:{DemoAutomationClientId}:Agency"] = "KZ-BS",
        [$"Identity:Senders:{DemoAutomationClientId}:Country"] = "KZ",
        [$"Identity:Senders:{DemoAutomationClientId}:DisplayName"] = "KZ-BS border alerting system (demo)",
        ["Directory:SeedDemoData"] = "true",
        ["Identity:ServiceClientSecrets:liaison-directory"] = DirectoryClientSecret,
        ["Directory:ServiceClient:ClientId"] = "liaison-directory",
        ["Directory:ServiceClient:ClientSecret"] = DirectoryClientSecret,
        ["Gateway:ClientSecret"] = GatewayClientSecret,
        ["Relay:ServiceClient:ClientId"] = "liaison-relay",
        ["Relay:ServiceClient:ClientSecret"] = RelayClientSecret,
        ["Relay:ActiveBodyKey"] = "k1",
        ["Relay:BodyKeys:k1"] = BodyKey,
    };
}
