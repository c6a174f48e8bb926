using System.Text.Json;
using Microsoft.Playwright;

namespace LiaisonNet.Browser.Tests;

/// <summary>axe-core (installed from npm with the web client) run in the page: the serious and critical violations it finds.</summary>
public static class Accessibility
{
    private static readonly Lazy<string> Script = new(() =>
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            var path = Path.Combine(folder.FullName, "clients", "web", "node_modules", "axe-core", "axe.min.js");
            if (File.Exists(path))
            {
                return File.ReadAllText(path);
            }
        }

        throw new InvalidOperationException("clients/web/node_modules/axe-core is missing: build the solution (it runs npm install).");
    });

    /// <summary>Fails the test with every serious or critical violation on the page as it now stands.</summary>
    public static async Task AssertNoSeriousViolationsAsync(IPage page, string screen)
    {
        // Evaluated through the browser's debugging protocol: the page's policy allows no inline script, and rightly.
        await page.EvaluateAsync(Script.Value);
        var result = await page.EvaluateAsync<JsonElement>("""
            async () => {
              const results = await axe.run(document, { resultTypes: ['violations'] });
              return results.violations
                .filter(v => v.impact === 'serious' || v.impact === 'critical')
                .map(v => `${v.impact} ${v.id}: ${v.help} (${v.nodes.slice(0, 3).map(n => n.target.join(' ')).join('; ')})`);
            }
            """);
        var violations = result.EnumerateArray().Select(v => v.GetString()!).ToList();
        Assert.True(violations.Count == 0, $"{screen}: {string.Join(Environment.NewLine, violations)}");
    }
}
