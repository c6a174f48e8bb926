using System.Collections;
using System.Reflection;
using System.Text.RegularExpressions;
using LiaisonNet.ServiceDefaults.Hosting;
using LiaisonNet.TestKit;
using Xunit;
using YamlDotNet.RepresentationModel;

namespace LiaisonNet.EndToEnd.Tests;

/// <summary>
/// The deployment files (infra/compose, infra/k8s, infra/docker, infra/local/haproxy.cfg) cannot run here, so they are
/// read and held against the code: every image is a service with a Dockerfile, every setting a name the services read,
/// every port the service's, every probe a health path the services map, every secret and config map referenced one
/// that is defined, every Ingress path a gRPC service that exists.
/// </summary>
// One storage only: it reads files.
[Trait("Storage", "Either")]
public sealed partial class ManifestTests
{
    [Fact]
    public void TheDeploymentFilesAgreeWithTheCode()
    {
        var files = ManifestCheck.ReadRepository();
        Assert.Contains(files.Keys, f => f.StartsWith("infra/k8s/", StringComparison.Ordinal));
        Assert.Contains("infra/compose/compose.yaml", files.Keys);
        Assert.Empty(ManifestCheck.Problems(files));
    }

    [Theory]
    [InlineData("infra/k8s/configmap.yaml", "  Liaison__Storage: Postgres", "  Liaison__Storage: Postgres\n  Liaison__Redsi: redis:6379", "Liaison:Redsi")]
    [InlineData("infra/compose/liaisonnet.env", "Liaison__Storage=Postgres", "Liaison__Storage=Postgres\nRelay__DeadLines__Flash=00:01:00", "Relay:DeadLines:Flash")]
    [InlineData("infra/k8s/relay.yaml", "path: /health/ready", "path: /healthz", "/healthz")]
    [InlineData("infra/k8s/gateway.yaml", "containerPort: 5080", "containerPort: 8080", "8080")]
    [InlineData("infra/k8s/audit.yaml", "image: liaisonnet/audit:latest", "image: liaisonnet/auditor:latest", "liaisonnet/auditor")]
    [InlineData("infra/k8s/relay.yaml", "name: liaisonnet-secrets", "name: liaisonnet-secret", "liaisonnet-secret")]
    [InlineData("infra/k8s/ingress.yaml", "path: /liaison.relay.v1.RelayService", "path: /liaison.relay.v1.Relay", "/liaison.relay.v1.Relay")]
    [InlineData("infra/compose/compose.yaml", "RELAY_1: relay-1:5083", "RELAY_ONE: relay-1:5083", "RELAY_1")]
    [InlineData("infra/k8s/configmap.yaml", "Liaison__Urls__Audit: https://audit:5084", "Liaison__Urls__Audit: http://audit:5084", "Liaison__Urls__Audit is http://audit:5084")]
    [InlineData("infra/k8s/relay.yaml", "value: https://0.0.0.0:5083", "value: http://0.0.0.0:5083", "Liaison__Listen is http://0.0.0.0:5083")]
    [InlineData("infra/compose/liaisonnet.env", "Liaison__Tls__AllowPlainHttp=true", "Liaison__Tls__AllowPlainHttp=false", "plain HTTP off loopback")]
    [InlineData("infra/k8s/audit.yaml", "secretName: audit-tls", "secretName: audit-tsl", "audit-tsl")]
    public void ADeliberateMismatchIsCaught(string file, string original, string changed, string named)
    {
        var files = ManifestCheck.ReadRepository();
        Assert.Contains(original, files[file], StringComparison.Ordinal);
        files[file] = files[file].Replace(original, changed, StringComparison.Ordinal);
        var problems = ManifestCheck.Problems(files);
        Assert.Contains(problems, p => p.Contains(named, StringComparison.Ordinal));
    }
}

/// <summary>Reads the deployment files and lists where they disagree with the code.</summary>
public static partial class ManifestCheck
{
    private static readonly Dictionary<string, ServiceKind> Images = new(StringComparer.Ordinal)
    {
        ["liaisonnet/identity"] = ServiceKind.Identity, ["liaisonnet/directory"] = ServiceKind.Directory, ["liaisonnet/relay"] = ServiceKind.Relay,
        ["liaisonnet/audit"] = ServiceKind.Audit, ["liaisonnet/gateway"] = ServiceKind.Gateway,
    };

    public static Dictionary<string, string> ReadRepository()
    {
        var root = ServiceProcess.RepositoryRoot();
        return new[] { "infra/k8s", "infra/compose", "infra/docker", "infra/local" }
            .SelectMany(folder => System.IO.Directory.GetFiles(Path.Combine(root, folder)))
            .Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".env", StringComparison.Ordinal) || f.EndsWith(".env.example", StringComparison.Ordinal)
                || f.EndsWith(".Dockerfile", StringComparison.Ordinal) || f.EndsWith(".cfg", StringComparison.Ordinal))
            .ToDictionary(f => Path.GetRelativePath(root, f).Replace('\\', '/'), File.ReadAllText, StringComparer.Ordinal);
    }

    public static List<string> Problems(IReadOnlyDictionary<string, string> files)
    {
        var problems = new List<string>();
        CheckDockerfiles(files, problems);
        CheckEnvFiles(files, problems);
        CheckKubernetes(files, problems);
        CheckCompose(files, problems);
        return problems;
    }

    /// <summary>The port a service listens on by default (ServiceUrls), and the identity server's account port.</summary>
    private static IReadOnlySet<int> PortsOf(ServiceKind kind)
    {
        var urls = new ServiceUrls();
        var ports = new HashSet<int> { new Uri(kind.Url(urls)).Port };
        if (kind == ServiceKind.Identity)
        {
            ports.Add(new Uri(urls.IdentityAdmin).Port);
        }

        return ports;
    }

    private static void CheckDockerfiles(IReadOnlyDictionary<string, string> files, List<string> problems)
    {
        foreach (var (image, kind) in Images)
        {
            var name = image["liaisonnet/".Length..];
            if (!files.TryGetValue($"infra/docker/{name}.Dockerfile", out var dockerfile))
            {
                problems.Add($"infra/docker/{name}.Dockerfile is missing for {image}.");
                continue;
            }

            if (!dockerfile.Contains($"\"LiaisonNet.{kind}.dll\"", StringComparison.Ordinal) || !dockerfile.Contains($"services/LiaisonNet.{kind} ", StringComparison.Ordinal))
            {
                problems.Add($"infra/docker/{name}.Dockerfile does not publish and start LiaisonNet.{kind}.");
            }

            var exposed = ExposeLine().Matches(dockerfile).SelectMany(m => m.Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Select(int.Parse).ToHashSet();
            if (!exposed.SetEquals(PortsOf(kind)))
            {
                problems.Add($"infra/docker/{name}.Dockerfile exposes {string.Join(", ", exposed)}; {kind} listens on {string.Join(", ", PortsOf(kind))}.");
            }
        }
    }

    private static void CheckEnvFiles(IReadOnlyDictionary<string, string> files, List<string> problems)
    {
        foreach (var (file, text) in files.Where(f => f.Key.StartsWith("infra/compose/", StringComparison.Ordinal) && f.Key.Contains(".env", StringComparison.Ordinal)))
        {
            foreach (var line in text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')))
            {
                var equals = line.IndexOf('=', StringComparison.Ordinal);
                CheckSetting(file, equals > 0 ? line[..equals] : line, problems);
            }
        }
    }

    private static void CheckKubernetes(IReadOnlyDictionary<string, string> files, List<string> problems)
    {
        var documents = files.Where(f => f.Key.StartsWith("infra/k8s/", StringComparison.Ordinal))
            .SelectMany(f => Load(f.Value).Select(d => (File: f.Key, Root: d))).ToList();
        string KindOf(YamlMappingNode d) => Text(d, "kind") ?? string.Empty;
        string NameOf(YamlMappingNode d) => Text(Map(d, "metadata"), "name") ?? string.Empty;
        var configMaps = documents.Where(d => KindOf(d.Root) == "ConfigMap").ToList();
        var secrets = documents.Where(d => KindOf(d.Root) == "Secret").ToList();
        // Secrets cert-manager makes and renews from a Certificate.
        var issuedSecrets = documents.Where(d => KindOf(d.Root) == "Certificate").Select(d => Text(Map(d.Root, "spec"), "secretName")).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var shared = configMaps.SelectMany(c => Map(c.Root, "data")?.Children.AsEnumerable() ?? [])
            .ToDictionary(c => ((YamlScalarNode)c.Key).Value!, c => (c.Value as YamlScalarNode)?.Value, StringComparer.Ordinal);
        foreach (var (file, map) in configMaps.Select(c => (c.File, Map(c.Root, "data"))).Concat(secrets.Select(s => (s.File, Map(s.Root, "stringData")))))
        {
            foreach (var key in map?.Children.Keys.OfType<YamlScalarNode>() ?? [])
            {
                CheckSetting(file, key.Value!, problems);
            }
        }

        var services = new Dictionary<string, (string App, Dictionary<string, string> Ports)>(StringComparer.Ordinal);
        foreach (var (file, service) in documents.Where(d => KindOf(d.Root) == "Service"))
        {
            var spec = Map(service, "spec");
            services[NameOf(service)] = (Text(Map(spec, "selector"), "app.kubernetes.io/name") ?? string.Empty,
                Sequence(spec, "ports").OfType<YamlMappingNode>().ToDictionary(p => Text(p, "port") ?? string.Empty, p => Text(p, "targetPort") ?? string.Empty));
        }

        var containerPorts = new Dictionary<string, Dictionary<string, int>>(StringComparer.Ordinal);
        foreach (var (file, deployment) in documents.Where(d => KindOf(d.Root) == "Deployment"))
        {
            var template = Map(Map(deployment, "spec"), "template");
            var app = Text(Map(Map(template, "metadata"), "labels"), "app.kubernetes.io/name") ?? string.Empty;
            foreach (var container in Sequence(Map(template, "spec"), "containers").OfType<YamlMappingNode>())
            {
                var image = (Text(container, "image") ?? string.Empty).Split(':')[0];
                if (!Images.TryGetValue(image, out var kind))
                {
                    problems.Add($"{file}: the image {image} is no LiaisonNet service.");
                    continue;
                }

                var ports = Sequence(container, "ports").OfType<YamlMappingNode>().ToDictionary(p => Text(p, "name") ?? string.Empty, p => int.Parse(Text(p, "containerPort") ?? "0"));
                containerPorts[app] = ports;
                var env = Sequence(container, "env").OfType<YamlMappingNode>().ToDictionary(e => Text(e, "name") ?? string.Empty, e => Text(e, "value"));
                foreach (var name in env.Keys)
                {
                    CheckSetting(file, name, problems);
                }

                CheckTransport(file, new Dictionary<string, string?>(shared.Concat(env).GroupBy(e => e.Key).Select(g => g.Last())), problems);
                foreach (var volume in Sequence(Map(template, "spec"), "volumes").OfType<YamlMappingNode>())
                {
                    if (Text(Map(volume, "secret"), "secretName") is { } secretName && !secrets.Any(s => NameOf(s.Root) == secretName) && !issuedSecrets.Contains(secretName))
                    {
                        problems.Add($"{file}: the volume {Text(volume, "name")} mounts the secret {secretName}, which no Secret or Certificate defines.");
                    }
                }

                var listen = env.GetValueOrDefault("Liaison__Listen");
                var servicePorts = ports.Where(p => p.Key != "health").Select(p => p.Value).ToHashSet();
                if (!servicePorts.SetEquals(PortsOf(kind)))
                {
                    problems.Add($"{file}: {image} declares ports {string.Join(", ", servicePorts)}; {kind} listens on {string.Join(", ", PortsOf(kind))}.");
                }

                if (listen is null || !Uri.TryCreate(listen, UriKind.Absolute, out var listenUri) || listenUri.Port != new Uri(kind.Url(new ServiceUrls())).Port)
                {
                    problems.Add($"{file}: Liaison__Listen of {image} ({listen}) is not on its service port.");
                }

                var health = env.GetValueOrDefault("Liaison__HealthListen");
                foreach (var probeName in new[] { "livenessProbe", "readinessProbe" })
                {
                    var get = Map(Map(container, probeName), "httpGet");
                    var path = Text(get, "path");
                    if (path is not (ServiceDefaults.Extensions.LivePath or ServiceDefaults.Extensions.ReadyPath))
                    {
                        problems.Add($"{file}: the {probeName} of {image} asks {path}, which the services do not map (they map {ServiceDefaults.Extensions.LivePath} and {ServiceDefaults.Extensions.ReadyPath}).");
                    }

                    var port = Text(get, "port") ?? string.Empty;
                    if (!ports.TryGetValue(port, out var probePort))
                    {
                        problems.Add($"{file}: the {probeName} of {image} names the port {port}, which the container does not declare.");
                    }
                    else if (kind.IsGrpcOnly() && (health is null || new Uri(health).Port != probePort))
                    {
                        problems.Add($"{file}: {image} speaks cleartext HTTP/2 only: its {probeName} must use the Liaison__HealthListen port.");
                    }
                }

                foreach (var source in Sequence(container, "envFrom").OfType<YamlMappingNode>())
                {
                    if (Text(Map(source, "configMapRef"), "name") is { } configMap && !configMaps.Any(c => NameOf(c.Root) == configMap))
                    {
                        problems.Add($"{file}: the config map {configMap} is not defined.");
                    }

                    if (Text(Map(source, "secretRef"), "name") is { } secret && !secrets.Any(s => NameOf(s.Root) == secret))
                    {
                        problems.Add($"{file}: the secret {secret} is not defined.");
                    }
                }

                if (Map(container, "resources") is not { } resources || Map(resources, "requests") is null)
                {
                    problems.Add($"{file}: {image} has no resource requests.");
                }
            }
        }

        foreach (var (name, service) in services)
        {
            foreach (var target in service.Ports.Values.Where(t => !containerPorts.GetValueOrDefault(service.App)?.ContainsKey(t) ?? true))
            {
                problems.Add($"Service {name}: the target port {target} is not a port of {service.App}.");
            }
        }

        var grpcServices = new[]
        {
            Protos.Directory.V1.DirectoryService.Descriptor, Protos.Directory.V1.DirectoryAdminService.Descriptor, Protos.Relay.V1.RelayService.Descriptor,
            Protos.Audit.V1.AuditService.Descriptor, Protos.Identity.V1.AccountAdminService.Descriptor,
        }.ToDictionary(d => "/" + d.FullName, StringComparer.Ordinal);
        foreach (var (file, ingress) in documents.Where(d => KindOf(d.Root) == "Ingress"))
        {
            var grpc = Text(Map(Map(ingress, "metadata"), "annotations"), "nginx.ingress.kubernetes.io/backend-protocol") is "GRPC" or "GRPCS";
            foreach (var rule in Sequence(Map(ingress, "spec"), "rules").OfType<YamlMappingNode>())
            {
                foreach (var path in Sequence(Map(rule, "http"), "paths").OfType<YamlMappingNode>())
                {
                    var backend = Map(Map(path, "backend"), "service");
                    var serviceName = Text(backend, "name") ?? string.Empty;
                    var port = Text(Map(backend, "port"), "number") ?? string.Empty;
                    if (!services.TryGetValue(serviceName, out var service) || !service.Ports.ContainsKey(port))
                    {
                        problems.Add($"{file}: the backend {serviceName}:{port} is not a Service port.");
                    }

                    var route = Text(path, "path") ?? string.Empty;
                    if (grpc && !grpcServices.ContainsKey(route))
                    {
                        problems.Add($"{file}: the gRPC path {route} names no gRPC service.");
                    }
                }
            }
        }
    }

    private static void CheckCompose(IReadOnlyDictionary<string, string> files, List<string> problems)
    {
        const string File = "infra/compose/compose.yaml";
        var compose = Load(files[File]).Single();
        var balancerVariables = BalancerVariable().Matches(files["infra/local/haproxy.cfg"]).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
        var composeServices = Map(compose, "services")!;
        foreach (var (key, value) in composeServices.Children)
        {
            var name = ((YamlScalarNode)key).Value!;
            var service = (YamlMappingNode)value;
            var image = (Text(service, "image") ?? string.Empty).Split(':')[0];
            var environment = Map(service, "environment")?.Children.Keys.OfType<YamlScalarNode>().Select(k => k.Value!).ToList() ?? [];
            if (image == "haproxy")
            {
                if (!balancerVariables.SetEquals(environment))
                {
                    problems.Add($"{File}: haproxy is given {string.Join(", ", environment.Order())}; infra/local/haproxy.cfg reads {string.Join(", ", balancerVariables.Order())}.");
                }

                continue;
            }

            if (!image.StartsWith("liaisonnet/", StringComparison.Ordinal))
            {
                continue;
            }

            if (!Images.TryGetValue(image, out var kind))
            {
                problems.Add($"{File}: the image {image} of {name} is no LiaisonNet service.");
                continue;
            }

            if (Text(Map(service, "build"), "dockerfile") is not { } dockerfile || !files.ContainsKey(dockerfile))
            {
                problems.Add($"{File}: {name} is built from a Dockerfile that does not exist.");
            }

            foreach (var setting in environment)
            {
                CheckSetting($"{File} ({name})", setting, problems);
            }

            var settings = new Dictionary<string, string?>(StringComparer.Ordinal);
            foreach (var envFile in Sequence(service, "env_file").OfType<YamlScalarNode>().Select(f => $"infra/compose/{f.Value}"))
            {
                foreach (var line in (files.GetValueOrDefault(envFile) ?? files.GetValueOrDefault(envFile + ".example") ?? string.Empty).Split('\n').Select(l => l.Trim()))
                {
                    if (line.Length > 0 && !line.StartsWith('#') && line.IndexOf('=', StringComparison.Ordinal) is > 0 and var equals)
                    {
                        settings[line[..equals]] = line[(equals + 1)..];
                    }
                }
            }

            foreach (var (variable, setting) in Map(service, "environment")?.Children.AsEnumerable() ?? [])
            {
                settings[((YamlScalarNode)variable).Value!] = (setting as YamlScalarNode)?.Value;
            }

            CheckTransport($"{File} ({name})", settings, problems);

            foreach (var envFile in Sequence(service, "env_file").OfType<YamlScalarNode>().Select(f => f.Value!))
            {
                if (!files.ContainsKey($"infra/compose/{envFile}") && !files.ContainsKey($"infra/compose/{envFile}.example"))
                {
                    problems.Add($"{File}: {name} reads {envFile}, which is neither in infra/compose nor given as {envFile}.example.");
                }
            }

            if (Map(service, "environment") is { } env && Text(env, "Liaison__Listen") is { } listen && new Uri(listen).Port != new Uri(kind.Url(new ServiceUrls())).Port)
            {
                problems.Add($"{File}: {name} listens on {listen}, not on the {kind} port.");
            }
        }

        foreach (var backend in new[] { "GATEWAY", "DIRECTORY", "RELAY", "AUDIT" }.SelectMany(b => new[] { $"{b}_1", $"{b}_2" }))
        {
            var target = Text(Map(Map(composeServices, "haproxy"), "environment"), backend);
            var host = target?.Split(':')[0];
            if (host is null || !composeServices.Children.ContainsKey(new YamlScalarNode(host)))
            {
                problems.Add($"{File}: the balancer's {backend} ({target}) is no service of the file.");
            }
        }
    }

    /// <summary>
    /// As a service checks its settings at start: a service URL or listening address off loopback on plain HTTP stops it,
    /// unless TLS ends at a named balancer in front of this listener or plain HTTP is allowed by name.
    /// </summary>
    private static void CheckTransport(string file, IReadOnlyDictionary<string, string?> settings, List<string> problems)
    {
        if (string.Equals(settings.GetValueOrDefault("Liaison__Tls__AllowPlainHttp"), "true", StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        var behindBalancer = settings.Keys.Any(k => k.StartsWith("Liaison__Tls__TrustedProxies", StringComparison.Ordinal));
        foreach (var (key, value) in settings.Where(s => s.Key.StartsWith("Liaison__Urls__", StringComparison.Ordinal) || s.Key == "Liaison__Listen"))
        {
            foreach (var url in (value ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttp && !ServiceDefaults.Security.TlsOptions.IsLoopback(uri)
                    && !(key == "Liaison__Listen" && behindBalancer))
                {
                    problems.Add($"{file}: {key} is {url}, plain HTTP off loopback, which the services refuse to start with (Liaison:Tls).");
                }
            }
        }
    }

    /// <summary>Whether the services read <paramref name="variable"/> (an environment variable, ":" written "__").</summary>
    private static void CheckSetting(string file, string variable, List<string> problems)
    {
        var key = variable.Replace("__", ":", StringComparison.Ordinal);
        if (!Known(key.Split(':')))
        {
            problems.Add($"{file}: the setting {key} is not one the services read.");
        }
    }

    private static bool Known(string[] parts) => parts switch
    {
        ["OTEL_EXPORTER_OTLP_ENDPOINT"] => true,
        ["Logging", "LogLevel", _] => true,
        ["ConnectionStrings", var kind] => Enum.TryParse<ServiceKind>(kind, ignoreCase: false, out _),
        ["Liaison", "ListenHandles", _] => true,
        ["Liaison", "Tls", .. var rest] => Walk(typeof(ServiceDefaults.Security.TlsOptions), rest),
        ["Liaison", .. var rest] => Walk(typeof(LiaisonOptions), rest),
        [var section, "ServiceClient", .. var rest] when section is "Relay" or "Directory" or "Identity" => Walk(typeof(ServiceDefaults.Security.ServiceClientOptions), rest),
        ["Gateway", .. var rest] => Walk(typeof(Gateway.Auth.GatewayOptions), rest),
        ["Relay", .. var rest] => Walk(typeof(Relay.Messages.RelayOptions), rest),
        ["Directory", .. var rest] => Walk(typeof(Directory.Storage.DirectoryOptions), rest),
        ["Identity", .. var rest] => Walk(typeof(Identity.Accounts.IdentityServerOptions), rest),
        ["Audit", .. var rest] => Walk(typeof(Audit.Log.AuditOptions), rest),
        _ => false,
    };

    /// <summary>Whether the path names a settable property of <paramref name="type"/>, the way configuration binding reads it (names as written).</summary>
    private static bool Walk(Type type, ReadOnlySpan<string> path)
    {
        if (path.IsEmpty)
        {
            return !IsLeaf(type);
        }

        var property = type.GetProperty(path[0], BindingFlags.Public | BindingFlags.Instance);
        if (property is null || (!property.CanWrite && !typeof(IEnumerable).IsAssignableFrom(property.PropertyType)))
        {
            return false;
        }

        var propertyType = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        if (IsLeaf(propertyType))
        {
            return path.Length == 1;
        }

        if (propertyType.IsGenericType && propertyType.GetGenericTypeDefinition() == typeof(Dictionary<,>))
        {
            var value = propertyType.GetGenericArguments()[1];
            return path.Length >= 2 && (IsLeaf(value) ? path.Length == 2 : Walk(value, path[2..]));
        }

        return Walk(propertyType, path[1..]);
    }

    private static bool IsLeaf(Type type) =>
        type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(TimeSpan) || type == typeof(decimal) || type == typeof(Uri);

    private static List<YamlMappingNode> Load(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        return [.. stream.Documents.Select(d => d.RootNode).OfType<YamlMappingNode>()];
    }

    private static YamlMappingNode? Map(YamlMappingNode? node, string key) =>
        node is not null && node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value as YamlMappingNode : null;

    private static IEnumerable<YamlNode> Sequence(YamlMappingNode? node, string key) =>
        node is not null && node.Children.TryGetValue(new YamlScalarNode(key), out var value) && value is YamlSequenceNode sequence ? sequence.Children : [];

    private static string? Text(YamlMappingNode? node, string key) =>
        node is not null && node.Children.TryGetValue(new YamlScalarNode(key), out var value) && value is YamlScalarNode scalar ? scalar.Value : null;

    [GeneratedRegex(@"^EXPOSE\s+(.+)$", RegexOptions.Multiline)]
    private static partial Regex ExposeLine();

    [GeneratedRegex(@"\$\{([A-Z0-9_]+)\}")]
    private static partial Regex BalancerVariable();
}
