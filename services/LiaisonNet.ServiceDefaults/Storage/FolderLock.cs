namespace LiaisonNet.ServiceDefaults.Storage;

/// <summary>
/// One process at a time in a folder that several instances of a service share (key files made at start-up): an
/// exclusive lock file, which the operating system frees when its holder exits or dies.
/// </summary>
public sealed class FolderLock : IDisposable
{
    private readonly FileStream _file;

    private FolderLock(FileStream file) => _file = file;

    /// <summary>Waits up to <paramref name="timeout"/> (30 s by default) for the lock <paramref name="name"/> in <paramref name="folder"/>.</summary>
    public static FolderLock Take(string folder, string name, TimeSpan? timeout = null)
    {
        var path = Path.Combine(folder, $"{name}.lock");
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            try
            {
                return new FolderLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(50);
            }
        }
    }

    /// <summary>Writes a file whole or not at all: into a temporary file beside it, then renamed over it.</summary>
    public static void WriteAtomically(string path, string contents, UnixFileMode? mode = null)
    {
        var temporary = $"{path}.{Environment.ProcessId}.tmp";
        File.WriteAllText(temporary, contents);
        if (mode is { } unix && !OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temporary, unix);
        }

        File.Move(temporary, path, overwrite: true);
    }

    public void Dispose() => _file.Dispose();
}
