namespace Hebb.Fuzzing;

/// <summary>A stream that cannot seek and hands out at most <paramref name="chunk"/> bytes per read, like a pipe or a slow
/// socket, so a reader's handling of unknown length and short reads is exercised.</summary>
internal sealed class TrickleStream(byte[] bytes, int chunk) : Hebb.Data.ReadOnlyForwardStream
{
    private int _position;

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int n = Math.Min(Math.Min(buffer.Length, chunk), bytes.Length - _position);
        bytes.AsSpan(_position, n).CopyTo(buffer);
        _position += n;
        return n;
    }
}
