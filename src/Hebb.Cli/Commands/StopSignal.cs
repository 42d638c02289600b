using System.Runtime.InteropServices;

namespace Hebb.Cli.Commands;

/// <summary>
/// Ctrl-C (SIGINT, and SIGTERM as a service manager sends it) during training: the first asks the run to stop after the
/// step in progress, with a checkpoint; a second one ends the process at once, as Ctrl-C normally does.
/// </summary>
internal sealed class StopSignal : IDisposable
{
    private readonly CancellationTokenSource _source = new();
    private readonly PosixSignalRegistration[] _registrations;

    private StopSignal()
    {
        _registrations =
        [
            PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle), PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle),
        ];
    }

    /// <summary>Starts listening; disposing stops it (Ctrl-C then ends the process again).</summary>
    public static StopSignal Listen() => new();

    /// <summary>Cancelled by the first Ctrl-C.</summary>
    public CancellationToken Token => _source.Token;

    internal void Handle(PosixSignalContext context)
    {
        if (_source.IsCancellationRequested) return; // the second: let the default action end the process
        context.Cancel = true;
        Console.Error.WriteLine("hebb: stopping after the current step and writing a checkpoint (press Ctrl-C again to quit at once)");
        _source.Cancel();
    }

    public void Dispose()
    {
        foreach (var r in _registrations) r.Dispose();
        _source.Dispose();
    }
}
