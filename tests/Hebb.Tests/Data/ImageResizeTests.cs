using Hebb.Data;

namespace Hebb.Tests.Data;

/// <summary>The resize the image loaders use: area averaging to shrink, bilinear (half-pixel centres) to grow.</summary>
public class ImageResizeTests
{
    [Fact]
    public void TheSameSizeIsAnExactCopy()
    {
        var image = TestData.Ramp(2 * 5 * 7);
        Assert.Equal(image, ImageResize.Resize(image, 2, 5, 7, 5, 7));
    }

    [Fact]
    public void HalvingAveragesEachTwoByTwoBlock()
    {
        byte[] image =
        [
            0, 4, 10, 20,
            8, 12, 30, 40,
            100, 100, 0, 255,
            100, 100, 255, 0,
        ];
        // (0+4+8+12)/4 = 6, (10+20+30+40)/4 = 25, 100, 127.5 -> 128 (half away from zero).
        Assert.Equal([6, 25, 100, 128], ImageResize.Resize(image, 1, 4, 4, 2, 2));
    }

    [Fact]
    public void ShrinkingByAFractionWeighsPixelsByTheirOverlap()
    {
        // 3 -> 2: the first output covers pixel 0 and half of pixel 1, the second half of pixel 1 and pixel 2.
        byte[] row = [30, 60, 90];
        Assert.Equal([40, 80], ImageResize.Resize(row, 1, 1, 3, 1, 2)); // (30 + 30)/1.5, (30 + 90)/1.5
    }

    [Fact]
    public void GrowingIsBilinearWithHalfPixelCentresLikePyTorch()
    {
        // torch.nn.functional.interpolate([[0, 255]], size=4, mode='linear', align_corners=False) = 0, 63.75, 191.25, 255.
        Assert.Equal([0, 64, 191, 255], ImageResize.Resize([0, 255], 1, 1, 2, 1, 4));
        // Both axes at once: a 2x2 grows to 4x4, the corners keep their values.
        var grown = ImageResize.Resize([0, 100, 200, 255], 1, 2, 2, 4, 4);
        Assert.Equal([0, 100, 200, 255], new[] { grown[0], grown[3], grown[12], grown[15] });
    }

    [Fact]
    public void AFlatImageStaysFlatAtAnySize()
    {
        var flat = Enumerable.Repeat((byte)77, 3 * 9 * 13).ToArray();
        foreach (var (h, w) in new[] { (4, 5), (9, 13), (20, 7), (1, 1), (31, 40) })
            Assert.All(ImageResize.Resize(flat, 3, 9, 13, h, w), v => Assert.Equal(77, v));
    }

    [Fact]
    public void ChannelsAreResizedSeparately()
    {
        // Two planes of 2x2: each halves to its own mean.
        Assert.Equal([10, 200], ImageResize.Resize([0, 10, 20, 10, 200, 200, 200, 200], 2, 2, 2, 1, 1));
    }
}
