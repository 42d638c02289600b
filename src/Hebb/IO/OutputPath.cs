namespace Hebb.IO;

/// <summary>Checks on a file the caller is about to write, made before the work that produces it.</summary>
public static class OutputPath
{
    /// <summary>Fails early (before any long work) when <paramref name="path"/> cannot be a new file: its folder is
    /// missing or it names a folder. Null passes (no output asked for).</summary>
    public static void CheckWritable(string? path, string option)
    {
        if (path is null) return;
        if (path.Length == 0) throw new ArgumentException($"{option}: the path is empty");
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null && !Directory.Exists(dir)) throw new IOException($"{option}: folder '{dir}' does not exist");
        if (Directory.Exists(path)) throw new IOException($"{option}: '{path}' is a folder, not a file");
    }
}
