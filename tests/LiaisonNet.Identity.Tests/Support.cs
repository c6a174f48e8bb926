using System.Net.Http.Json;
using System.Text.Json;
using Grpc.Core;
using LiaisonNet.Client;
using LiaisonNet.Protos.Audit.V1;
using LiaisonNet.TestKit;

namespace LiaisonNet.Identity.Tests;

/// <summary>One running system shared by the tests of a class.</summary>
public sealed class SystemFixture : IAsyncLifetime
{
    public RunningSystem System { get; private set; } = null!;

    public async Task InitializeAsync() => System = await RunningSystem.StartAsync();

    public async Task DisposeAsync() => await System.DisposeAsync();
}

internal static class Support
{
    public const string Password = Host.HostSecrets.DemoPassword;

    public static Task<RpcException> AssertStatus(StatusCode expected, Func<Task> call) => Expect.StatusAsync(expected, call);

    public static Task<List<AuditEvent>> TrailAsync(LiaisonClient auditor, string objectId, string action, int count = 1) =>
        Expect.TrailAsync(auditor, objectId, action, count);

    /// <summary>POSTs a form to the token endpoint and returns the status and JSON body.</summary>
    public static async Task<(int Status, JsonElement Body)> TokenRequestAsync(RunningSystem system, Dictionary<string, string> form, string endpoint = "connect/token")
    {
        using var http = new HttpClient();
        using var response = await http.PostAsync(new Uri(system.Urls.Issuer, endpoint), new FormUrlEncodedContent(form));
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    public static async Task<JsonElement> GetJsonAsync(Uri url)
    {
        using var http = new HttpClient();
        return await http.GetFromJsonAsync<JsonElement>(url);
    }
}
