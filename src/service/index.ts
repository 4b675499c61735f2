export {
  type InstallOutcome,
  installSystemd,
  installWindows,
  type RunCommand,
  runCommand,
  type SystemdInstallOptions,
  systemdStatus,
  type UnitState,
  underRoot,
  uninstallSystemd,
  unitStateOf,
  type WindowsInstallOptions,
  type WrittenFile,
} from './install.ts';
export {
  checkServiceValue,
  type ServiceSpec,
  serviceArguments,
  serviceNames,
  serviceRoles,
} from './spec.ts';
export {
  environmentFileText,
  parseSystemctlShow,
  restartPolicy,
  type SystemdScope,
  type SystemdUnitInput,
  systemdLayout,
  systemdUnit,
} from './systemd.ts';
export {
  icaclsArguments,
  type WinswInput,
  windowsArgument,
  windowsInstallCommands,
  windowsRestarts,
  winswVersion,
  winswXml,
} from './winsw.ts';
