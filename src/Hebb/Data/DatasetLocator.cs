using System.Globalization;
using System.Security.Cryptography;

namespace Hebb.Data;

/// <summary>
/// A dataset could not be found anywhere. The message is a single line listing what was looked
/// for, every place that was tried and why each failed, and how to provide the files.
/// </summary>
public sealed class DatasetNotFoundException : Exception
{
    /// <summary>Creates the exception with its message.</summary>
    /// <param name="message">What was looked for, where, and how to provide it.</param>
    public DatasetNotFoundException(string message) : base(message) { }

    /// <summary>Creates the exception with its message and the exception that caused it.</summary>
    /// <param name="message">What was looked for, where, and how to provide it.</param>
    /// <param name="innerException">The underlying failure, or null.</param>
    public DatasetNotFoundException(string message, Exception? innerException) : base(message, innerException) { }
}

/// <summary>
/// Finds the folder holding a dataset's files. Lookup order:
/// (1) an explicit path, if given (no fall-through when it is wrong);
/// (2) <c>$HEBB_DATASETS</c>; (3) the cache folder <c>&lt;CacheRoot&gt;/&lt;name&gt;/</c>;
/// (4) download into the cache from the dataset's mirrors, verifying md5 before keeping a file.
/// For (1) and (2) the path may be the dataset folder itself or a root that contains <c>&lt;name&gt;/</c>.
/// </summary>
public sealed class DatasetLocator
{
    /// <summary>The environment variable (HEBB_DATASETS) naming a folder that holds datasets, or one dataset's
    /// files; it is tried before the cache.</summary>
    public const string DatasetsVariable = "HEBB_DATASETS";
    /// <summary>The environment variable (HEBB_CACHE) that sets the download cache folder.</summary>
    public const string CacheVariable = "HEBB_CACHE";

    // A download whose size the catalog does not record is still capped, so a bad mirror cannot fill the disk.
    private const long MaxUnknownSize = 2L << 30;

    private readonly HttpMessageHandler? _handler;
    private readonly Func<string, string?> _getEnv;

    /// <param name="handler">HTTP handler used for downloads (tests inject a fake); null uses a default handler.</param>
    /// <param name="cacheRoot">Cache folder; null resolves it from the environment (see <see cref="CacheRoot"/>).</param>
    /// <param name="getEnv">Environment lookup (tests inject one); null uses the process environment.</param>
    public DatasetLocator(HttpMessageHandler? handler = null, string? cacheRoot = null, Func<string, string?>? getEnv = null)
    {
        _handler = handler;
        _getEnv = getEnv ?? Environment.GetEnvironmentVariable;
        CacheRoot = Path.GetFullPath(string.IsNullOrWhiteSpace(cacheRoot) ? DefaultCacheRoot() : cacheRoot);
    }

    /// <summary>A locator using the process environment and the real network.</summary>
    public static DatasetLocator Default { get; } = new();

    /// <summary>
    /// Root of the download cache: <c>$HEBB_CACHE</c>, else <c>$XDG_CACHE_HOME/hebb/datasets</c>,
    /// else <c>~/.cache/hebb/datasets</c>. Each dataset lives in a subfolder named after it.
    /// </summary>
    public string CacheRoot { get; }

    /// <summary>How long a download may go without receiving anything (connecting, headers, or the next chunk).</summary>
    internal TimeSpan DownloadTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Returns the full path of the folder that holds all of the dataset's files.</summary>
    /// <exception cref="DatasetNotFoundException">The files are nowhere to be found and could not be downloaded.</exception>
    public string Locate(DatasetInfo dataset, string? explicitPath = null)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        string name = dataset.Name;
        string needed = string.Join(", ", dataset.Files.Select(f => f.Name));
        string? problem;

        // (1) An explicit path is a deliberate choice: if it is wrong, say so instead of quietly using something else.
        if (!string.IsNullOrWhiteSpace(explicitPath))
        {
            string full = Path.GetFullPath(explicitPath);
            if (TryFolder(full, dataset, out string found, out problem))
                return found;
            throw new DatasetNotFoundException(OneLine(
                $"Dataset '{name}' not found at the given path {full}: {problem}. Needed files: {needed}. " +
                $"Pass --data DIR with DIR a folder that holds these files, or a folder that holds {name}/ with them."));
        }

        var looked = new List<string> { "explicit path (none given)" };

        // (2) The environment variable may name a root shared by several datasets, so a miss falls through.
        string? envValue = Env(DatasetsVariable);
        if (envValue is null)
        {
            looked.Add($"${DatasetsVariable} (unset)");
        }
        else
        {
            string full = Path.GetFullPath(envValue);
            if (TryFolder(full, dataset, out string found, out problem))
                return found;
            looked.Add($"${DatasetsVariable}={envValue} ({full}: {problem})");
        }

        // (3) The cache only ever receives verified files (see Download), so a size check is enough here.
        string cacheDir = Path.Combine(CacheRoot, name);
        var toFetch = new List<DatasetFile>();
        problem = CheckFiles(cacheDir, dataset, toFetch);
        if (problem is null)
            return cacheDir;
        looked.Add($"cache {cacheDir} ({problem})");

        // (4) Fetch only what the cache lacks.
        string? downloadError = Download(dataset, cacheDir, toFetch);
        if (downloadError is null)
            return cacheDir;
        looked.Add(downloadError);

        throw new DatasetNotFoundException(OneLine(
            $"Dataset '{name}' not found (needs {needed}). Looked in: {string.Join("; ", looked)}. " +
            $"To fix: pass --data DIR or set {DatasetsVariable} to a folder containing {name}/ (or the files themselves), " +
            $"or allow network access so the files can be downloaded to {cacheDir}."));
    }

    private string DefaultCacheRoot()
    {
        if (Env(CacheVariable) is string hebbCache)
            return hebbCache;
        // The XDG spec says relative values are invalid and must be ignored.
        if (Env("XDG_CACHE_HOME") is string xdg && Path.IsPathRooted(xdg))
            return Path.Combine(xdg, "hebb", "datasets");
        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (string.IsNullOrEmpty(home))
            home = Path.GetTempPath(); // accounts without a home folder still get a working cache
        return Path.Combine(home, ".cache", "hebb", "datasets");
    }

    private string? Env(string variable)
    {
        string? value = _getEnv(variable);
        return string.IsNullOrWhiteSpace(value) ? null : value;
    }

    /// <summary>Accepts <paramref name="path"/> itself as the dataset folder, or its <c>&lt;name&gt;/</c> subfolder.</summary>
    private static bool TryFolder(string path, DatasetInfo dataset, out string found, out string problem)
    {
        found = path;
        problem = "";
        string? selfProblem = CheckFiles(path, dataset, null);
        if (selfProblem is null)
            return true;

        string sub = Path.Combine(path, dataset.Name);
        if (Directory.Exists(sub))
        {
            string? subProblem = CheckFiles(sub, dataset, null);
            if (subProblem is null)
            {
                found = sub;
                return true;
            }
            problem = $"{sub}: {subProblem}";
        }
        else if (!Directory.Exists(path))
        {
            problem = File.Exists(path) ? "is a file, not a folder" : "does not exist";
        }
        else
        {
            problem = $"{selfProblem}, and there is no {dataset.Name}/ subfolder";
        }
        return false;
    }

    /// <summary>
    /// Returns null when <paramref name="dir"/> holds every file with the right size, else a description
    /// of what is wrong; files that are absent or have the wrong size are added to <paramref name="bad"/>.
    /// </summary>
    private static string? CheckFiles(string dir, DatasetInfo dataset, List<DatasetFile>? bad)
    {
        if (!Directory.Exists(dir))
        {
            bad?.AddRange(dataset.Files);
            return File.Exists(dir) ? "is a file, not a folder" : "folder does not exist";
        }

        var missing = new List<string>();
        var wrongSize = new List<string>();
        foreach (var file in dataset.Files)
        {
            var info = new FileInfo(Path.Combine(dir, file.Name));
            if (!info.Exists)
            {
                missing.Add(file.Name);
                bad?.Add(file);
            }
            else if (file.Size is long size && info.Length != size)
            {
                wrongSize.Add($"{file.Name} has {info.Length} bytes instead of {size} (corrupt or partial, ignored)");
                bad?.Add(file);
            }
        }
        if (missing.Count == 0 && wrongSize.Count == 0)
            return null;

        var parts = new List<string>();
        if (missing.Count == dataset.Files.Count)
            parts.Add($"none of the {dataset.Name} files are there");
        else if (missing.Count > 0)
            parts.Add($"missing {string.Join(", ", missing)}");
        parts.AddRange(wrongSize);
        return string.Join(", ", parts);
    }

    /// <summary>Downloads <paramref name="files"/> into <paramref name="dir"/>; returns null on success, else why it failed.</summary>
    private string? Download(DatasetInfo dataset, string dir, List<DatasetFile> files)
    {
        if (dataset.BaseUrls.Count == 0)
            return "download (no download source is known for this dataset)";
        bool existed = Directory.Exists(dir);
        try
        {
            Directory.CreateDirectory(dir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"download (cannot create cache folder {dir}: {e.Message})";
        }

        string? error = DownloadFiles(dataset, dir, files);
        if (error is not null && !existed)
            TryDeleteEmptyFolder(dir); // a failed first download should not leave an empty cache folder behind
        return error;
    }

    private string? DownloadFiles(DatasetInfo dataset, string dir, List<DatasetFile> files)
    {
        using var client = CreateClient();
        foreach (var file in files)
        {
            var failures = new List<string>();
            foreach (string baseUrl in dataset.BaseUrls)
            {
                string url = baseUrl.EndsWith('/') ? baseUrl + file.Name : baseUrl + "/" + file.Name;
                string? error = TryDownload(client, url, file, dir);
                if (error is null)
                    break;
                failures.Add($"{url}: {error}");
            }
            if (failures.Count == dataset.BaseUrls.Count)
                return $"download of {file.Name} failed ({string.Join(", ", failures)})";
        }
        return null;
    }

    private HttpClient CreateClient()
    {
        // The injected handler belongs to the caller, so only dispose the one we create.
        var handler = _handler ?? new SocketsHttpHandler
        {
            ConnectTimeout = TimeSpan.FromSeconds(10),
            // Keep the bytes exactly as published: md5 sums are of the .gz files themselves.
            AutomaticDecompression = System.Net.DecompressionMethods.None,
        };
        var client = new HttpClient(handler, disposeHandler: _handler is null)
        {
            // Our own timer (DownloadTimeout) bounds each step instead, so a large file on a slow
            // but working connection is not cut off just because the whole transfer takes long.
            Timeout = Timeout.InfiniteTimeSpan,
        };
        client.DefaultRequestHeaders.UserAgent.ParseAdd("Hebb/1.0");
        return client;
    }

    /// <summary>
    /// Downloads one file into a temp file next to its final place and moves it there only once its
    /// size and md5 check out, so neither a partial nor a corrupt file is ever left behind.
    /// </summary>
    private string? TryDownload(HttpClient client, string url, DatasetFile file, string dir)
    {
        string temp = Path.Combine(dir, $".{file.Name}.{Guid.NewGuid():N}.part");
        try
        {
            // Locate is synchronous; ConfigureAwait(false) throughout makes blocking here safe.
            string? error = DownloadToAsync(client, url, file, temp).GetAwaiter().GetResult();
            if (error is not null)
                return error;
            File.Move(temp, Path.Combine(dir, file.Name), overwrite: true);
            return null;
        }
        catch (OperationCanceledException)
        {
            return string.Create(CultureInfo.InvariantCulture, $"timed out (nothing received for {DownloadTimeout.TotalSeconds:0.###} s)");
        }
        catch (Exception e) when (e is HttpRequestException or IOException or UnauthorizedAccessException
            or InvalidOperationException or UriFormatException)
        {
            return Describe(e);
        }
        finally
        {
            TryDelete(temp); // no-op after a successful move
        }
    }

    private async Task<string?> DownloadToAsync(HttpClient client, string url, DatasetFile file, string temp)
    {
        using var cts = new CancellationTokenSource(DownloadTimeout);
        using var response = await client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cts.Token).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
            return $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}".TrimEnd();
        if (file.Size is long announcedExpected && response.Content.Headers.ContentLength is long announced
            && announced != announcedExpected)
            return $"server offers {announced} bytes, expected {announcedExpected}";

        long limit = file.Size ?? MaxUnknownSize;
        long total = 0;
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        using (var body = await response.Content.ReadAsStreamAsync(cts.Token).ConfigureAwait(false))
        using (var output = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
        {
            var buffer = new byte[1 << 16];
            while (true)
            {
                cts.CancelAfter(DownloadTimeout); // restart the stall timer for every chunk
                int n = await body.ReadAsync(buffer, cts.Token).ConfigureAwait(false);
                if (n == 0)
                    break;
                total += n;
                if (total > limit)
                    return $"received more than the expected {limit} bytes";
                md5.AppendData(buffer, 0, n);
                await output.WriteAsync(buffer.AsMemory(0, n), cts.Token).ConfigureAwait(false);
            }
            await output.FlushAsync(cts.Token).ConfigureAwait(false);
        }

        if (file.Size is long size && total != size)
            return $"received {total} bytes, expected {size}";
        string actual = Convert.ToHexStringLower(md5.GetHashAndReset());
        if (!actual.Equals(file.Md5, StringComparison.OrdinalIgnoreCase))
            return $"checksum mismatch (md5 {actual}, expected {file.Md5}); the file was discarded";
        return null;
    }

    /// <summary>Exception messages along the inner chain, e.g. "An error occurred while sending the request: Connection refused".</summary>
    private static string Describe(Exception e)
    {
        var messages = new List<string>();
        for (Exception? x = e; x is not null; x = x.InnerException)
        {
            // Inner messages often repeat the outer one ("Name or service not known (host:443)" wraps "Name or service not known").
            string message = x.Message.TrimEnd('.');
            if (!messages.Any(m => m.Contains(message, StringComparison.Ordinal)))
                messages.Add(message);
        }
        return string.Join(": ", messages);
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: a leftover temp file has a .part name and is never mistaken for the real file.
        }
    }

    private static void TryDeleteEmptyFolder(string path)
    {
        try
        {
            if (!Directory.EnumerateFileSystemEntries(path).Any())
                Directory.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort only.
        }
    }

    private static string OneLine(string s) => s.ReplaceLineEndings(" ");
}
