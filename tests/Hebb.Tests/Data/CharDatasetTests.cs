using System.Text;
using Hebb.Data;

namespace Hebb.Tests.Data;

public class CharDatasetTests
{
    [Fact]
    public void VocabularyIsTheSortedDistinctCharactersAndRoundTrips()
    {
        var vocab = CharVocabulary.FromText("hello, world\n");
        Assert.Equal("\n ,dehlorw", vocab.Chars);
        var ids = vocab.Encode("world");
        Assert.Equal([9, 7, 8, 6, 3], ids);
        Assert.Equal("world", vocab.Decode(ids));
        Assert.Equal(vocab.Chars, CharVocabulary.FromChars(vocab.Chars).Chars);
        var e = Assert.Throws<ArgumentException>(() => vocab.Encode("wax"));
        Assert.Contains("'a'", e.Message);
        Assert.Contains("position 1", e.Message);
        Assert.Throws<InvalidDataException>(() => CharVocabulary.FromChars("abca"));
        Assert.Throws<InvalidDataException>(() => CharVocabulary.FromText(""));
    }

    [Fact]
    public void CharactersOutsideTheBmpAreOneToken()
    {
        var vocab = CharVocabulary.FromText("a😀b😀");
        Assert.Equal(3, vocab.Count);
        Assert.Equal("😀a", vocab.Decode(vocab.Encode("😀a")));
        Assert.Equal(2, vocab.IdOf("😀")); // U+1F600 sorts after 'a' and 'b'
        Assert.Throws<ArgumentException>(() => vocab.IdOf("ab"));
    }

    [Fact]
    public void FirstNinetyPercentTrainLastTenValidation()
    {
        string text = string.Concat(Enumerable.Range(0, 1000).Select(i => (char)('a' + i % 26)));
        var data = new CharDataset(text, "test");
        Assert.Equal(900, data.Train.Length);
        Assert.Equal(100, data.Validation.Length);
        Assert.Equal(text[..900], data.Vocabulary.Decode(data.Train));
        Assert.Equal(text[900..], data.Vocabulary.Decode(data.Validation));
    }

    [Fact]
    public void BatchesAreWindowsWithTargetsShiftedByOne()
    {
        string text = string.Concat(Enumerable.Range(0, 2000).Select(i => (char)('a' + i * 7 % 26)));
        var data = new CharDataset(text, "test");
        var (x, y) = data.RandomBatch(validation: false, batch: 5, block: 12, new Generator(1));
        Assert.Equal([5, 12], x.ShapeArray);
        Assert.Equal(DType.Int32, x.DType);
        var xs = x.ToArray<int>();
        var ys = y.ToArray<int>();
        string train = data.Vocabulary.Decode(data.Train);
        for (int b = 0; b < 5; b++)
        {
            string window = data.Vocabulary.Decode(xs.Skip(b * 12).Take(12));
            string target = data.Vocabulary.Decode(ys.Skip(b * 12).Take(12));
            Assert.Equal(window[1..], target[..^1]);
            Assert.Contains(window + target[^1], train);
        }
        // same generator seed, same batch; the validation split draws from the last 10% only
        Assert.Equal(xs, data.RandomBatch(false, 5, 12, new Generator(1)).Inputs.ToArray<int>());
        var (vx, _) = data.RandomBatch(validation: true, 3, 12, new Generator(2));
        Assert.Contains(data.Vocabulary.Decode(vx.ToArray<int>().Take(12)), data.Vocabulary.Decode(data.Validation));
    }

    [Fact]
    public void EvaluationBatchesAreFixedAndSpreadOverTheSplit()
    {
        var ids = Enumerable.Range(0, 1000).ToArray();
        // 1000 distinct characters: id = position
        var data = new CharDataset(string.Concat(Enumerable.Range(0, 1000).Select(i => (char)(0x4E00 + i))), "test");
        Assert.Equal(ids[..900], data.Train);
        var starts = new List<int>();
        for (int i = 0; i < 4; i++)
        {
            var (x, y) = data.EvaluationBatch(validation: false, i, count: 4, batch: 3, block: 10);
            var xs = x.ToArray<int>();
            for (int b = 0; b < 3; b++)
            {
                starts.Add(xs[b * 10]);
                Assert.Equal(Enumerable.Range(xs[b * 10], 10), xs.Skip(b * 10).Take(10));
                Assert.Equal(Enumerable.Range(xs[b * 10] + 1, 10), y.ToArray<int>().Skip(b * 10).Take(10));
            }
            Assert.Equal(xs, data.EvaluationBatch(false, i, 4, 3, 10).Inputs.ToArray<int>()); // fixed
        }
        // 12 windows from the first possible start (0) to the last (900 - 10 - 1 = 889), evenly spaced
        Assert.Equal(Enumerable.Range(0, 12).Select(j => j * 889 / 11), starts);
        Assert.Equal(900 + 100 - 11, data.EvaluationBatch(true, 1, 2, 1, 10).Inputs.ToArray<int>()[0]);
        Assert.Throws<ArgumentException>(() => data.EvaluationBatch(false, 4, 4, 3, 10));
    }

    [Fact]
    public void TooShortTextNamesTheBlock()
    {
        var data = new CharDataset(new string('x', 100), "short.txt");
        var e = Assert.Throws<InvalidDataException>(() => data.CheckBlock(64));
        Assert.Contains("--block 64", e.Message);
        Assert.Contains("short.txt", e.Message);
        data.CheckBlock(8);
    }

    [Fact]
    public void LoadsAFileAFolderOrADatasetName()
    {
        using var dir = TestData.CreateTempFolder();
        string file = dir.Write("corpus/book.txt", Encoding.UTF8.GetBytes("\uFEFFabcabc"));
        Assert.Equal("abc", CharDataset.Load(file).Vocabulary.Chars); // byte-order mark dropped
        Assert.Equal(file, CharDataset.Load(dir.Combine("corpus")).Source);

        var shakespeare = CharDataset.Load("tinyshakespeare",
            new DatasetLocator(getEnv: v => v == DatasetLocator.DatasetsVariable ? TestData.DatasetsRoot : null));
        Assert.Equal(65, shakespeare.Vocabulary.Count);
        Assert.Equal(1_003_854, shakespeare.Train.Length);
        Assert.Equal(111_540, shakespeare.Validation.Length);

        string bad = dir.Write("bad.txt", [0x61, 0xFF, 0x62]);
        Assert.Contains("not UTF-8", Assert.Throws<InvalidDataException>(() => CharDataset.Load(bad)).Message);
        string empty = dir.Write("empty.txt", []);
        Assert.Contains("empty", Assert.Throws<InvalidDataException>(() => CharDataset.Load(empty)).Message);
        Assert.Throws<FileNotFoundException>(() => CharDataset.Load(dir.Combine("missing.txt")));
        dir.Write("two/a.txt", [0x61]);
        dir.Write("two/b.txt", [0x61]);
        Assert.Contains("several", Assert.Throws<FileNotFoundException>(() => CharDataset.Load(dir.Combine("two"))).Message);
    }

    [Fact]
    public void SequentialBatchesContinueEachStream()
    {
        var ids = Enumerable.Range(0, 100).ToArray();
        var batches = new SequentialBatches(ids, batch: 2, block: 10); // streams 0..49 and 50..99
        var (x1, y1, r1) = batches.Next();
        var (x2, _, r2) = batches.Next();
        Assert.True(r1);
        Assert.False(r2);
        Assert.Equal(Enumerable.Range(0, 10), x1.ToArray<int>().Take(10));
        Assert.Equal(Enumerable.Range(50, 10), x1.ToArray<int>().Skip(10));
        Assert.Equal(Enumerable.Range(1, 10), y1.ToArray<int>().Take(10));
        Assert.Equal(Enumerable.Range(10, 10), x2.ToArray<int>().Take(10));
        Assert.Equal(Enumerable.Range(60, 10), x2.ToArray<int>().Skip(10));
        for (int i = 0; i < 2; i++) batches.Next();           // positions 20, 30
        var (x5, _, r5) = batches.Next();                     // 40 + 11 > 50: wraps to the start
        Assert.True(r5);
        Assert.Equal(0, x5.ToArray<int>()[0]);
        Assert.Throws<InvalidDataException>(() => new SequentialBatches(ids, batch: 10, block: 10));
    }
}
