using System.Collections;
using Google.Protobuf.Reflection;

namespace LiaisonNet.ServiceDefaults.Access;

/// <summary>The access rule of every method of one gRPC service, checked against the service's descriptor.</summary>
public sealed class AccessRules(ServiceDescriptor service) : IEnumerable<KeyValuePair<string, AccessRule>>
{
    private readonly Dictionary<string, AccessRule> _rules = new(StringComparer.Ordinal);

    public ServiceDescriptor Service => service;

    public AccessRule this[string method]
    {
        get => _rules[method];
        set => _rules[method] = value;
    }

    public AccessRule? Find(string method) => _rules.GetValueOrDefault(method);

    /// <summary>Methods of the service that have no rule, and rules naming no method of it.</summary>
    public IReadOnlyList<string> Problems() =>
    [
        .. service.Methods.Where(m => !_rules.ContainsKey(m.Name)).Select(m => $"{service.FullName}/{m.Name} has no access rule"),
        .. _rules.Keys.Where(name => service.FindMethodByName(name) is null).Select(name => $"{service.FullName} has no method {name}"),
    ];

    /// <summary>Stops start-up when a method has no rule: no RPC ships unguarded.</summary>
    public AccessRules ThrowIfIncomplete() =>
        Problems() is { Count: > 0 } problems ? throw new InvalidOperationException(string.Join("; ", problems)) : this;

    /// <summary>A copy without one method's rule (for the test that an incomplete table is caught).</summary>
    public AccessRules Without(string method)
    {
        var copy = new AccessRules(service);
        foreach (var (name, rule) in _rules.Where(r => r.Key != method))
        {
            copy[name] = rule;
        }

        return copy;
    }

    public IEnumerator<KeyValuePair<string, AccessRule>> GetEnumerator() => _rules.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
