# wcow.buildkit operation: data_root_apply
# wcow.buildkit requires: hklm_marker, data_root, acl
# Creates each folder of $Params.paths that does not exist yet, as a daemon's
# data root, with the protected DACL of the acl snippet (SYSTEM and
# Administrators only, as containerd creates its own root and state), and
# records it as the collection's own (the data_root snippet's marker: its path
# and its identity), so that remove_data may remove it later.
# A path with a reparse point along it is left alone (the daemon creates it,
# unmarked); a folder that exists already is not marked, whoever made it: only
# what this operation created is the collection's.
$ErrorActionPreference = 'Stop'
@{ created = @(New-WcowDataRoots -Paths @($Params.paths)) }
