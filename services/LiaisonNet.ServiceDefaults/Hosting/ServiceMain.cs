using LiaisonNet.ServiceDefaults.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Options;

namespace LiaisonNet.ServiceDefaults.Hosting;

/// <summary>A service's entry point: a setting that stops it at start-up is said in a sentence naming the setting, never a stack trace.</summary>
public static class ServiceMain
{
    /// <summary>A start-up failure that is a setting to fix (a database that is missing or unreachable, an invalid option), not a defect.</summary>
    public static bool IsSettingProblem(Exception ex) => ex is StorageUnavailableException or OptionsValidationException;

    public static int Run(string name, Func<WebApplication> build)
    {
        try
        {
            build().Run();
            return 0;
        }
        catch (Exception ex) when (IsSettingProblem(ex))
        {
            Console.Error.WriteLine($"{name} did not start: {ex.Message}");
            return 1;
        }
    }
}
