using StbImageSharp;

namespace Hebb.Data;

/// <summary>
/// Images sorted into one folder per class, as torchvision's ImageFolder: <c>root/&lt;class&gt;/*.png</c> (or .jpg,
/// .jpeg, .bmp). The classes are the subfolders' names in ordinal order, and an image's label is its folder's
/// position in that list; within a class, files are taken in ordinal order of their names. Images are decoded
/// with StbImageSharp, converted to grayscale or RGB (alpha dropped), resized when asked, and kept as bytes.
/// Every problem (no class folders, an empty class, an image that does not decode, images of different sizes
/// with no size asked for) is an <see cref="InvalidDataException"/> whose one-line message names the folder or file.
/// </summary>
public static class ImageFolder
{
    /// <summary>The file extensions read as images (any case): .png, .jpg, .jpeg and .bmp. Other files are ignored.</summary>
    public static IReadOnlyList<string> Extensions { get; } = [".png", ".jpg", ".jpeg", ".bmp"];

    /// <summary>Whether <paramref name="path"/> ends in one of the <see cref="Extensions"/> (any case).</summary>
    public static bool IsImageFile(string path) => Extensions.Contains(Path.GetExtension(path), StringComparer.OrdinalIgnoreCase);

    /// <summary>The class names under <paramref name="root"/>: its subfolders' names, in ordinal order.</summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="InvalidDataException">It has no subfolders.</exception>
    public static IReadOnlyList<string> FindClasses(string root)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        if (!Directory.Exists(root)) throw new DirectoryNotFoundException($"image folder '{root}' does not exist");
        var classes = Directory.EnumerateDirectories(root).Select(Path.GetFileName).OfType<string>()
            .Where(name => !name.StartsWith('.')).Order(StringComparer.Ordinal).ToArray();
        if (classes.Length == 0)
            throw new InvalidDataException(
                $"image folder '{root}' has no class folders (expected {root}/<class>/*.png, .jpg, .jpeg or .bmp)");
        return classes;
    }

    /// <summary>
    /// Loads every image under <paramref name="root"/>'s class folders. With no <paramref name="channels"/>, the
    /// images are read as grayscale (1) when every one of them is grayscale (one channel, or three equal ones), else as
    /// RGB (3). With no
    /// <paramref name="imageSize"/>, all images must have the same size, which is kept; with one, each is resized to
    /// imageSize x imageSize.
    /// </summary>
    /// <param name="root">The folder that holds one subfolder per class.</param>
    /// <param name="imageSize">Resize every image to this many rows and columns; null keeps their common size.</param>
    /// <param name="channels">1 (grayscale) or 3 (RGB); null chooses from the images.</param>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="InvalidDataException">No class folders, an empty class folder, an image that does not decode,
    /// or images of different sizes without <paramref name="imageSize"/>.</exception>
    public static ImageDataset Load(string root, int? imageSize = null, int? channels = null) =>
        Load(root, FindClasses(root), channels, imageSize, imageSize, resizeOthers: imageSize is not null, classesFrom: null);

    /// <summary>
    /// Loads a second split (a test or validation folder) the way <paramref name="like"/> was loaded: the same
    /// channels, every image resized to its size, and labels from its class list. Each class folder under
    /// <paramref name="root"/> must be one of <paramref name="like"/>'s classes; some may be missing.
    /// </summary>
    /// <exception cref="InvalidDataException">A class folder is not one of <paramref name="like"/>'s classes, or as for
    /// <see cref="Load(string, int?, int?)"/>.</exception>
    public static ImageDataset LoadLike(string root, ImageDataset like) => LoadLike(root, like, resize: true);

    /// <summary>As <see cref="LoadLike(string, ImageDataset)"/>; without <paramref name="resize"/>, images of another size
    /// than <paramref name="like"/>'s are refused instead of resized.</summary>
    internal static ImageDataset LoadLike(string root, ImageDataset like, bool resize)
    {
        ArgumentNullException.ThrowIfNull(like);
        var folders = FindClasses(root);
        var unknown = folders.Where(f => !like.ClassNames.Contains(f)).ToArray();
        if (unknown.Length > 0)
            throw new InvalidDataException($"image folder '{root}': class folder(s) {string.Join(", ", unknown)} are not among " +
                $"the training classes ({Describe(like.ClassNames)})");
        return Load(root, folders, like.Channels, like.Height, like.Width, resize, like.ClassNames);
    }

    private static ImageDataset Load(string root, IReadOnlyList<string> folders, int? channels, int? height, int? width,
        bool resizeOthers, IReadOnlyList<string>? classesFrom)
    {
        if (channels is { } c && c is not (1 or 3)) throw new ArgumentException($"channels must be 1 or 3, got {c}", nameof(channels));
        if (height <= 0 || width <= 0) throw new ArgumentException($"the image size must be positive, got {height}x{width}");
        var classNames = classesFrom ?? folders;
        var files = new List<(string Path, int Label)>();
        foreach (var folder in folders)
        {
            string dir = Path.Combine(root, folder);
            var images = Directory.EnumerateFiles(dir)
                .Where(f => !Path.GetFileName(f).StartsWith('.') && IsImageFile(f))
                .Order(StringComparer.Ordinal).ToArray();
            if (images.Length == 0)
                throw new InvalidDataException($"class folder '{dir}' has no images ({string.Join(", ", Extensions)})");
            int label = IndexOf(classNames, folder);
            files.AddRange(images.Select(f => (f, label)));
        }

        // First the headers only: the channels and sizes decide how every image is read.
        var infos = files.Select(f => ReadInfo(f.Path)).ToArray();
        int useChannels = channels ?? (Enumerable.Range(0, infos.Length).All(i => IsGray(files[i].Path, infos[i])) ? 1 : 3);
        int useHeight = height ?? infos[0].Height, useWidth = width ?? infos[0].Width;
        if (!resizeOthers)
            for (int i = 0; i < infos.Length; i++)
                if (infos[i].Height != useHeight || infos[i].Width != useWidth)
                {
                    string first = height is null
                        ? $"{files[0].Path} is {useWidth}x{useHeight}"
                        : $"the training images are {useWidth}x{useHeight}";
                    throw new InvalidDataException($"image '{files[i].Path}' is {infos[i].Width}x{infos[i].Height} but {first} " +
                        "(width x height): choose one size for all (--image-size N)");
                }

        int size = useChannels * useHeight * useWidth;
        var pixels = new byte[files.Count * size];
        for (int i = 0; i < files.Count; i++)
            ReadPlanes(files[i].Path, useChannels, useHeight, useWidth).CopyTo(pixels, i * size);
        return new ImageDataset(pixels, files.Select(f => f.Label).ToArray(), useChannels, useHeight, useWidth, classNames);
    }

    /// <summary>Reads one image file as the model input a preprocessing describes: <paramref name="channels"/> (1 or 3)
    /// planes of <paramref name="height"/> x <paramref name="width"/> values pixel / 255, channel-first.</summary>
    /// <exception cref="InvalidDataException">The file is not an image Hebb can decode.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static float[] LoadImage(string path, int channels, int height, int width)
    {
        var planes = ReadPlanes(path, channels, height, width);
        var values = new float[planes.Length];
        MnistDataset.ToUnitRange(planes, values);
        return values;
    }

    /// <summary>As <see cref="LoadImage(string, int, int, int)"/> for square images of <paramref name="size"/> x
    /// <paramref name="size"/>.</summary>
    public static float[] LoadImage(string path, int channels, int size) => LoadImage(path, channels, size, size);

    /// <summary>The largest image read, in pixels (4096 x 4096): far beyond a training image, small enough that a damaged
    /// header cannot make the decoder allocate more than about 50 MB.</summary>
    public const long MaxPixels = 1L << 24;

    /// <summary>The most pixels a file may claim per byte it holds (beyond a 1,024 x 1,024 image, which any file may claim).</summary>
    private const long PixelsPerByte = 4096;

    /// <summary>Decodes <paramref name="path"/> as <paramref name="channels"/> channel-first byte planes of the given size.</summary>
    internal static byte[] ReadPlanes(string path, int channels, int height, int width)
    {
        if (channels is not (1 or 3)) throw new ArgumentException($"channels must be 1 or 3, got {channels}", nameof(channels));
        byte[] bytes = File.ReadAllBytes(path);
        Header(path, bytes); // a few bytes claiming a huge image must not make the decoder allocate gigabytes
        ImageResult image;
        try
        {
            image = ImageResult.FromMemory(bytes, channels == 1 ? ColorComponents.Grey : ColorComponents.RedGreenBlue);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // stb reports damage with whatever exception its decoder met (InvalidOperation, IndexOutOfRange, ...).
            throw new InvalidDataException($"image '{path}' cannot be decoded ({DecoderMessage(e)})", e);
        }
        if (image.Width <= 0 || image.Height <= 0 || image.Data.Length < image.Width * image.Height * channels)
            throw new InvalidDataException($"image '{path}' decodes to no pixels");
        // stb gives rows of interleaved channels (HWC); models take planes (CHW).
        int pixelsPerPlane = image.Width * image.Height;
        var planes = new byte[channels * pixelsPerPlane];
        for (int p = 0; p < pixelsPerPlane; p++)
            for (int c = 0; c < channels; c++)
                planes[c * pixelsPerPlane + p] = image.Data[p * channels + c];
        return ImageResize.Resize(planes, channels, image.Height, image.Width, height, width);
    }

    /// <summary>The decoder's reason in printable characters (it sometimes gives blanks or control characters).</summary>
    private static string DecoderMessage(Exception e)
    {
        string text = new string([.. e.Message.Where(c => !char.IsControl(c))]).Trim().TrimEnd('.');
        return text.Length > 0 ? text : "the data is damaged";
    }

    /// <summary>A grayscale file, or a colour one whose three channels are equal everywhere (JPEG writers often store
    /// gray images that way). Decodes colour files, so the common case, a truly colour set, stops at its first image.</summary>
    private static bool IsGray(string path, ImageInfo info)
    {
        if (info.ColorComponents is ColorComponents.Grey or ColorComponents.GreyAlpha) return true;
        var rgb = ReadPlanes(path, 3, info.Height, info.Width);
        int plane = info.Height * info.Width;
        return rgb.AsSpan(0, plane).SequenceEqual(rgb.AsSpan(plane, plane)) && rgb.AsSpan(0, plane).SequenceEqual(rgb.AsSpan(2 * plane));
    }

    private static ImageInfo ReadInfo(string path) => Header(path, File.ReadAllBytes(path));

    /// <summary>The image's header, once its structure is known whole (<see cref="ImageHeaders"/>) and its size believable
    /// (at most <see cref="MaxPixels"/>, and no more pixels than its bytes can hold): only then may the decoder see it.</summary>
    private static ImageInfo Header(string path, byte[] bytes)
    {
        if (ImageHeaders.Problem(bytes) is { } damaged) throw new InvalidDataException($"image '{path}' is damaged: {damaged}");
        ImageInfo? header;
        try
        {
            header = ImageInfo.FromStream(new MemoryStream(bytes, writable: false));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            header = null;
        }
        if (header is not { } info) throw new InvalidDataException($"image '{path}' is not a PNG, JPEG or BMP image Hebb can decode");
        long pixels = (long)info.Width * info.Height;
        if (info.Width <= 0 || info.Height <= 0 || pixels > MaxPixels)
            throw new InvalidDataException(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"image '{path}' claims {info.Width} x {info.Height} pixels; Hebb reads images of at most {MaxPixels:N0} pixels"));
        // No PNG, JPEG or BMP packs more than about a thousand pixels into a byte (deflate's limit is 1032:1, a JPEG
        // block takes at least two bits): a small file claiming a large image is damaged, and would make the decoder
        // allocate for the claim.
        if (pixels > Math.Max(1L << 20, PixelsPerByte * bytes.Length))
            throw new InvalidDataException(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"image '{path}' claims {info.Width} x {info.Height} pixels but holds only {bytes.Length:N0} bytes: it is damaged"));
        return info;
    }

    private static int IndexOf(IReadOnlyList<string> names, string name)
    {
        for (int i = 0; i < names.Count; i++)
            if (names[i] == name) return i;
        throw new InvalidDataException($"class '{name}' is not among {Describe(names)}");
    }

    /// <summary>A class list for a message: all of it when short, else its start and its size.</summary>
    internal static string Describe(IReadOnlyList<string> names) =>
        names.Count <= 12 ? string.Join(", ", names) : $"{string.Join(", ", names.Take(10))}, ... ({names.Count} classes)";
}
