namespace Hebb.IO;

/// <summary>
/// Writes a file through a temporary file in the same folder and a rename, so a write that fails or is
/// interrupted part-way never leaves a half-written file under the final name, and an existing file
/// stays as it was until the new one is complete.
/// </summary>
public static class AtomicFile
{
    /// <summary>Creates the temporary file, lets <paramref name="write"/> fill it, makes it durable and moves it
    /// over <paramref name="path"/>. A missing folder or a path naming a folder is refused first, naming the path.</summary>
    public static void Write(string path, Action<Stream> write, int bufferSize = 4096)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(write);
        string target = Path.GetFullPath(path);
        string dir = Path.GetDirectoryName(target)!;
        if (!Directory.Exists(dir)) throw new IOException($"cannot write '{path}': folder '{dir}' does not exist");
        if (Directory.Exists(target)) throw new IOException($"cannot write '{path}': it is a folder");
        string temp = Path.Combine(dir, $".{Path.GetFileName(target)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize))
            {
                write(file);
                file.Flush(flushToDisk: true); // the bytes must be durable before the move makes them the file
            }
            File.Move(temp, target, overwrite: true);
            RemoveLeftovers(dir, Path.GetFileName(target));
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>How old a temporary file of the same target must be to count as left by a process that was killed
    /// while writing (a writer still at work touches its file far more often than this).</summary>
    internal static readonly TimeSpan LeftoverAge = TimeSpan.FromMinutes(10);

    /// <summary>Deletes the temporary files of earlier writes to the same target that were killed part-way (kill -9, a
    /// power cut), so a run that checkpoints for days does not leave them piling up.</summary>
    private static void RemoveLeftovers(string dir, string name)
    {
        try
        {
            foreach (var file in new DirectoryInfo(dir).EnumerateFiles($".{name}.*.tmp"))
                if (DateTime.UtcNow - file.LastWriteTimeUtc > LeftoverAge) TryDelete(file.FullName);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    private static void TryDelete(string path)
    {
        // Best effort: the original exception is what the caller needs to see, not a failure to clean up.
        try { File.Delete(path); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
