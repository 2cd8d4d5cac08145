namespace RetailTrace.Common;

/// <summary>
/// A configuration setting the server cannot start with. The command line prints its message as one line and exits
/// with <see cref="Cli.StartFailure"/>; the message names the setting and what it accepts.
/// </summary>
public sealed class SettingsException(string message) : Exception(message);
