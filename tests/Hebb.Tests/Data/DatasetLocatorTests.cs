using System.Net;
using Hebb.Data;

namespace Hebb.Tests.Data;

public sealed class DatasetLocatorTests : IDisposable
{
    private static readonly byte[] BytesA = "alpha file contents"u8.ToArray();
    private static readonly byte[] BytesB = TestData.Ramp(300);

    private const string Mirror1 = "https://mirror-one.example/toy/";
    private const string Mirror2 = "http://mirror-two.example/data/toy"; // no trailing slash on purpose

    // a.bin has a known size, b.bin does not: both checks are exercised.
    private static readonly DatasetInfo Toy = new(
        "toyset",
        [
            new DatasetFile("a.bin", TestData.Md5Hex(BytesA), BytesA.Length),
            new DatasetFile("b.bin", TestData.Md5Hex(BytesB), null),
        ],
        [Mirror1, Mirror2]);

    private readonly TestData.TempFolder _temp = TestData.CreateTempFolder();
    private readonly Dictionary<string, string> _env = [];

    public void Dispose() => _temp.Dispose();

    private string CacheRoot => _temp.Combine("cache");
    private string CacheDir => Path.Combine(CacheRoot, "toyset");

    private DatasetLocator Locator(HttpMessageHandler? handler = null) =>
        new(handler ?? new FakeHandler(_ => throw new InvalidOperationException("no download expected")),
            CacheRoot, v => _env.GetValueOrDefault(v));

    /// <summary>Writes the toy dataset's files into <paramref name="dir"/> and returns its full path.</summary>
    private string MakeDataset(string dir, byte[]? a = null, bool withB = true)
    {
        string full = _temp.Combine(dir);
        _temp.Write(Path.Combine(dir, "a.bin"), a ?? BytesA);
        if (withB)
            _temp.Write(Path.Combine(dir, "b.bin"), BytesB);
        return full;
    }

    private static void AssertOneLine(string message) =>
        Assert.DoesNotContain('\n', message);

    // ---- explicit path ----

    [Fact]
    public void ExplicitPathMayBeTheDatasetFolderItself()
    {
        string dir = MakeDataset("mine");

        Assert.Equal(dir, Locator().Locate(Toy, dir));
    }

    [Fact]
    public void ExplicitPathMayBeARootHoldingTheDatasetFolder()
    {
        string dir = MakeDataset(Path.Combine("root", "toyset"));

        Assert.Equal(dir, Locator().Locate(Toy, _temp.Combine("root")));
    }

    [Fact]
    public void ExplicitPathThatDoesNotExistFailsRightAwayNamingThePath()
    {
        // Valid copies elsewhere must not be used silently when the caller pointed somewhere specific.
        _env["HEBB_DATASETS"] = MakeDataset("env");
        MakeDataset(Path.Combine("cache", "toyset"));
        var handler = new FakeHandler(_ => throw new InvalidOperationException("must not download"));
        string wrong = _temp.Combine("typo");

        var e = Assert.Throws<DatasetNotFoundException>(() => Locator(handler).Locate(Toy, wrong));

        Assert.Contains(wrong, e.Message);
        Assert.Contains("does not exist", e.Message);
        Assert.Contains("--data", e.Message);
        AssertOneLine(e.Message);
        Assert.Empty(handler.Requests);
    }

    [Fact]
    public void ExplicitFolderMissingAFileNamesIt()
    {
        string dir = MakeDataset("partial", withB: false);

        var e = Assert.Throws<DatasetNotFoundException>(() => Locator().Locate(Toy, dir));

        Assert.Contains(dir, e.Message);
        Assert.Contains("missing b.bin", e.Message);
        AssertOneLine(e.Message);
    }

    [Fact]
    public void ExplicitRootWithIncompleteSubfolderNamesTheSubfolder()
    {
        string sub = MakeDataset(Path.Combine("root", "toyset"), withB: false);

        var e = Assert.Throws<DatasetNotFoundException>(() => Locator().Locate(Toy, _temp.Combine("root")));

        Assert.Contains(sub, e.Message);
        Assert.Contains("missing b.bin", e.Message);
    }

    [Fact]
    public void ExplicitFolderWithWrongSizedFileIsRejectedAsCorrupt()
    {
        string dir = MakeDataset("bad", a: BytesA[..5]);

        var e = Assert.Throws<DatasetNotFoundException>(() => Locator().Locate(Toy, dir));

        Assert.Contains($"a.bin has 5 bytes instead of {BytesA.Length}", e.Message);
        Assert.Contains("corrupt", e.Message);
    }

    // ---- environment variable ----

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void EnvironmentVariableAcceptsBothLayouts(bool root)
    {
        string dir = MakeDataset(root ? Path.Combine("shared", "toyset") : "shared");
        _env["HEBB_DATASETS"] = _temp.Combine("shared");

        Assert.Equal(dir, Locator().Locate(Toy));
    }

    [Fact]
    public void RelativeEnvironmentVariableIsResolvedAgainstTheCurrentDirectory()
    {
        string dir = MakeDataset(Path.Combine("rel", "toyset"));
        _env["HEBB_DATASETS"] = Path.GetRelativePath(Environment.CurrentDirectory, _temp.Combine("rel"));
        Assert.False(Path.IsPathRooted(_env["HEBB_DATASETS"]));

        Assert.Equal(dir, Locator().Locate(Toy));
    }

    [Fact]
    public void WrongEnvironmentFolderFallsThroughToTheCache()
    {
        _env["HEBB_DATASETS"] = MakeDataset("env", a: [1, 2, 3]);
        MakeDataset(Path.Combine("cache", "toyset"));

        Assert.Equal(CacheDir, Locator().Locate(Toy));
    }

    // ---- cache and precedence ----

    [Fact]
    public void UsesTheCacheFolder()
    {
        MakeDataset(Path.Combine("cache", "toyset"));

        Assert.Equal(CacheDir, Locator().Locate(Toy));
    }

    [Fact]
    public void PrecedenceIsExplicitThenEnvironmentThenCache()
    {
        string explicitDir = MakeDataset("explicit");
        string envDir = MakeDataset("env");
        MakeDataset(Path.Combine("cache", "toyset"));
        _env["HEBB_DATASETS"] = envDir;
        var handler = new FakeHandler(_ => throw new InvalidOperationException("must not download"));
        var locator = Locator(handler);

        Assert.Equal(explicitDir, locator.Locate(Toy, explicitDir));
        Assert.Equal(envDir, locator.Locate(Toy));
        _env.Remove("HEBB_DATASETS");
        Assert.Equal(CacheDir, locator.Locate(Toy));
        Assert.Empty(handler.Requests);
    }

    [Fact]
    public void CacheRootComesFromHebbCacheThenXdgThenHome()
    {
        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var env = new Dictionary<string, string>();
        DatasetLocator Make(string? cacheRoot = null) => new(null, cacheRoot, v => env.GetValueOrDefault(v));

        Assert.Equal(Path.Combine(home, ".cache", "hebb", "datasets"), Make().CacheRoot);
        env["XDG_CACHE_HOME"] = _temp.Combine("xdg");
        Assert.Equal(_temp.Combine("xdg", "hebb", "datasets"), Make().CacheRoot);
        env["HEBB_CACHE"] = _temp.Combine("hebb-cache");
        Assert.Equal(_temp.Combine("hebb-cache"), Make().CacheRoot);
        Assert.Equal(_temp.Combine("param"), Make(_temp.Combine("param")).CacheRoot);
    }

    // ---- download ----

    private static FakeHandler Serving(params (string url, byte[] bytes)[] files) =>
        new(request =>
        {
            string url = request.RequestUri!.ToString();
            foreach (var (u, bytes) in files)
            {
                if (u == url)
                    return new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(bytes) };
            }
            return new HttpResponseMessage(HttpStatusCode.NotFound);
        });

    /// <summary>The cache folder did not exist before the failed download, so nothing at all may remain (no .part file, no
    /// empty folder).</summary>
    private void AssertNoLeftovers() =>
        Assert.False(Directory.Exists(CacheDir), $"{CacheDir} was left behind");

    [Fact]
    public void DownloadsVerifiedFilesIntoTheCache()
    {
        var handler = Serving((Mirror1 + "a.bin", BytesA), (Mirror1 + "b.bin", BytesB));

        string dir = Locator(handler).Locate(Toy);

        Assert.Equal(CacheDir, dir);
        Assert.Equal(BytesA, File.ReadAllBytes(Path.Combine(dir, "a.bin")));
        Assert.Equal(BytesB, File.ReadAllBytes(Path.Combine(dir, "b.bin")));
        Assert.Equal(["a.bin", "b.bin"], Directory.GetFiles(dir).Select(Path.GetFileName).Order());
        Assert.Equal([Mirror1 + "a.bin", Mirror1 + "b.bin"], handler.Requests);
        // Now cached: a second lookup must not touch the network.
        Assert.Equal(CacheDir, Locator(handler).Locate(Toy));
        Assert.Equal(2, handler.Requests.Count);
    }

    [Fact]
    public void FallsBackToTheNextMirror()
    {
        var handler = Serving((Mirror2 + "/a.bin", BytesA), (Mirror2 + "/b.bin", BytesB));

        Assert.Equal(CacheDir, Locator(handler).Locate(Toy));

        Assert.Equal([Mirror1 + "a.bin", Mirror2 + "/a.bin", Mirror1 + "b.bin", Mirror2 + "/b.bin"], handler.Requests);
        Assert.Equal(BytesB, File.ReadAllBytes(Path.Combine(CacheDir, "b.bin")));
    }

    [Fact]
    public void DownloadsOnlyWhatTheCacheLacksAndReplacesCorruptFiles()
    {
        MakeDataset(Path.Combine("cache", "toyset"), a: BytesA[..3]); // a.bin wrong size, b.bin fine
        var handler = Serving((Mirror1 + "a.bin", BytesA), (Mirror1 + "b.bin", BytesB));

        Assert.Equal(CacheDir, Locator(handler).Locate(Toy));

        Assert.Equal([Mirror1 + "a.bin"], handler.Requests);
        Assert.Equal(BytesA, File.ReadAllBytes(Path.Combine(CacheDir, "a.bin")));
    }

    [Fact]
    public void InterruptedDatasetDownloadKeepsVerifiedFilesAndResumesWithTheRest()
    {
        var first = Serving((Mirror1 + "a.bin", BytesA)); // b.bin is 404 on both mirrors

        var e = Assert.Throws<DatasetNotFoundException>(() => Locator(first).Locate(Toy));

        Assert.Contains("download of b.bin failed", e.Message);
        Assert.Contains("HTTP 404 Not Found", e.Message);
        Assert.Equal(["a.bin"], Directory.GetFiles(CacheDir).Select(Path.GetFileName));

        var second = Serving((Mirror1 + "b.bin", BytesB));
        Assert.Equal(CacheDir, Locator(second).Locate(Toy));
        Assert.Equal([Mirror1 + "b.bin"], second.Requests);
    }

    [Fact]
    public void CorruptedDownloadIsRejectedAndNothingIsLeftBehind()
    {
        byte[] corrupted = (byte[])BytesA.Clone();
        corrupted[3] ^= 0x55; // same size, different content: only the md5 can catch it
        var handler = Serving((Mirror1 + "a.bin", corrupted), (Mirror2 + "/a.bin", corrupted));

        var e = Assert.Throws<DatasetNotFoundException>(() => Locator(handler).Locate(Toy));

        Assert.Contains("checksum mismatch", e.Message);
        Assert.Contains(TestData.Md5Hex(corrupted), e.Message);
        Assert.Contains(Toy.Files[0].Md5, e.Message);
        AssertOneLine(e.Message);
        AssertNoLeftovers();
    }

    [Fact]
    public void OversizedDownloadIsRejectedAndNothingIsLeftBehind()
    {
        byte[] bigger = [.. BytesA, .. BytesA];
        var handler = new FakeHandler(_ => new HttpResponseMessage(HttpStatusCode.OK)
        {
            // Streamed without a Content-Length, so the reader itself must stop at the expected size.
            Content = new StreamContent(new TestData.ForwardOnlyStream(bigger)),
        });

        var e = Assert.Throws<DatasetNotFoundException>(() => Locator(handler).Locate(Toy));

        Assert.Contains($"received more than the expected {BytesA.Length} bytes", e.Message);
        AssertNoLeftovers();
    }

    [Fact]
    public void NetworkFailureGivesOneLineListingEveryPlaceLooked()
    {
        var handler = new FakeHandler(_ => throw new HttpRequestException("Name or service not known (mirror-one.example:443)"));

        var e = Assert.Throws<DatasetNotFoundException>(() => Locator(handler).Locate(Toy));

        string m = e.Message;
        AssertOneLine(m);
        Assert.Contains("'toyset'", m);
        Assert.Contains("a.bin, b.bin", m);
        Assert.Contains("explicit path (none given)", m);
        Assert.Contains("$HEBB_DATASETS (unset)", m);
        Assert.Contains($"cache {CacheDir} (folder does not exist)", m);
        Assert.Contains(Mirror1 + "a.bin: Name or service not known", m);
        Assert.Contains(Mirror2 + "/a.bin: Name or service not known", m);
        Assert.Contains("pass --data DIR or set HEBB_DATASETS to a folder containing toyset/", m);
        AssertNoLeftovers();
    }

    [Fact]
    public void FailureMessageShowsTheEnvironmentValueAndWhyItWasNotUsed()
    {
        _env["HEBB_DATASETS"] = _temp.Combine("elsewhere");
        var handler = new FakeHandler(_ => new HttpResponseMessage(HttpStatusCode.Forbidden));

        var e = Assert.Throws<DatasetNotFoundException>(() => Locator(handler).Locate(Toy));

        Assert.Contains($"$HEBB_DATASETS={_temp.Combine("elsewhere")}", e.Message);
        Assert.Contains("does not exist", e.Message);
        Assert.Contains("HTTP 403 Forbidden", e.Message);
        AssertOneLine(e.Message);
    }

    [Fact]
    public void ServerThatNeverAnswersTimesOut()
    {
        var handler = new FakeHandler(async (_, ct) =>
        {
            await Task.Delay(Timeout.Infinite, ct);
            throw new InvalidOperationException("unreachable");
        });
        var locator = Locator(handler);
        locator.DownloadTimeout = TimeSpan.FromMilliseconds(200);

        var e = Assert.Throws<DatasetNotFoundException>(() => locator.Locate(Toy));

        Assert.Contains("timed out", e.Message);
        Assert.Equal(2, handler.Requests.Count); // both mirrors tried
    }

    [Fact]
    public void DownloadThatStallsHalfwayTimesOutAndLeavesNothingBehind()
    {
        var handler = new FakeHandler(_ => new HttpResponseMessage(HttpStatusCode.OK)
        {
            Content = new StreamContent(new StallingStream(BytesA[..4])),
        });
        var locator = Locator(handler);
        locator.DownloadTimeout = TimeSpan.FromMilliseconds(200);

        var e = Assert.Throws<DatasetNotFoundException>(() => locator.Locate(Toy));

        Assert.Contains("timed out", e.Message);
        AssertNoLeftovers();
    }

    [Fact]
    public void DownloadsRealFileFromTheOfficialUrlAndVerifiesTheCatalogChecksum()
    {
        // End to end with the real catalog entry: URL layout, size and md5 must all agree with the real file.
        byte[] real = File.ReadAllBytes(Path.Combine(TestData.DatasetsRoot, "tinyshakespeare", "input.txt"));
        var handler = Serving(("https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt", real));

        string dir = Locator(handler).Locate(DatasetCatalog.TinyShakespeare);

        Assert.Equal(Path.Combine(CacheRoot, "tinyshakespeare"), dir);
        Assert.Equal(real, File.ReadAllBytes(Path.Combine(dir, "input.txt")));
    }

    // ---- catalog ----

    [Fact]
    public void CatalogLooksUpByNameAndListsKnownNamesOnError()
    {
        Assert.Same(DatasetCatalog.Mnist, DatasetCatalog.Get("mnist"));
        Assert.Same(DatasetCatalog.FashionMnist, DatasetCatalog.Get("Fashion-MNIST"));
        Assert.Same(DatasetCatalog.TinyShakespeare, DatasetCatalog.Get("tinyshakespeare"));

        var e = Assert.Throws<ArgumentException>(() => DatasetCatalog.Get("cifar10"));
        Assert.Contains("cifar10", e.Message);
        Assert.Contains("mnist, fashion-mnist, tinyshakespeare", e.Message);
    }

    [Fact]
    public void CatalogHasTheOfficialMirrors()
    {
        Assert.Equal(["https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"],
            DatasetCatalog.Mnist.BaseUrls);
        Assert.Equal(["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"], DatasetCatalog.FashionMnist.BaseUrls);
        Assert.Equal(["https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/"],
            DatasetCatalog.TinyShakespeare.BaseUrls);
    }

    [Theory]
    [InlineData("mnist")]
    [InlineData("fashion-mnist")]
    [InlineData("tinyshakespeare")]
    public void CatalogMatchesTheRealFilesAndTheirMd5sums(string name)
    {
        DatasetInfo info = DatasetCatalog.Get(name);
        string dir = Path.Combine(TestData.DatasetsRoot, name);
        var published = File.ReadAllLines(Path.Combine(dir, "md5sums"))
            .Where(l => l.Trim().Length > 0)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .ToDictionary(p => p[1], p => p[0]);

        Assert.Equal(published.Keys.Order(), info.Files.Select(f => f.Name).Order());
        foreach (var file in info.Files)
        {
            Assert.Equal(published[file.Name], file.Md5);
            Assert.Equal(new FileInfo(Path.Combine(dir, file.Name)).Length, file.Size);
            Assert.Equal(file.Md5, TestData.Md5Hex(File.ReadAllBytes(Path.Combine(dir, file.Name))));
        }

        // And the real folder passes the locator's checks in the root layout.
        Assert.Equal(dir, Locator().Locate(info, TestData.DatasetsRoot));
    }

    // ---- fakes ----

    /// <summary>An HTTP handler that answers from a function and records every requested URL.</summary>
    private sealed class FakeHandler(Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> respond) : HttpMessageHandler
    {
        public FakeHandler(Func<HttpRequestMessage, HttpResponseMessage> respond)
            : this((r, _) => Task.FromResult(respond(r)))
        {
        }

        public List<string> Requests { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            lock (Requests)
                Requests.Add(request.RequestUri!.ToString());
            return respond(request, cancellationToken);
        }
    }

    /// <summary>Returns some bytes, then never produces more (until cancelled).</summary>
    private sealed class StallingStream(byte[] first) : Hebb.Data.ReadOnlyForwardStream
    {
        private bool _sent;

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (!_sent)
            {
                _sent = true;
                first.CopyTo(buffer);
                return first.Length;
            }
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return 0;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("async only");
    }
}
