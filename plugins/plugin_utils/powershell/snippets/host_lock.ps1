# wcow.buildkit snippet: host_lock
# The host's lock: one changing run at a time per host. The runner inserts this
# snippet and a call of Enter-WcowHostLock, assigned to the bootstrap's
# $WcowHostLock, at the start of every operation that changes the host; the
# bootstrap's finally releases the mutex (docs/windows-facts.md#named-mutexes).
function Enter-WcowHostLock {
    param([int]$TimeoutSeconds)
    $mutex = New-Object -TypeName System.Threading.Mutex -ArgumentList $false, 'Global\wcow.buildkit.host-changes'
    try {
        $owned = $mutex.WaitOne($TimeoutSeconds * 1000)
    }
    catch [System.Threading.AbandonedMutexException] {
        # Its owner died holding it: the wait acquired it all the same.
        $owned = $true
    }
    if (-not $owned) {
        $mutex.Dispose()
        throw ('Another run is changing this host: it held the lock Global\wcow.buildkit.host-changes for all of the {0} s this run waited (wcow_host_lock_timeout). Nothing was changed; run the play again once the other run has finished.' -f $TimeoutSeconds)
    }
    $mutex
}

function Assert-WcowHostLock {
    # A staging folder is created, and what a failed run left there removed,
    # only under the lock: without it, the folder may be another run's, in use.
    param($Lock, [string]$Folder)
    if ($null -eq $Lock) {
        throw ('{0} is left alone: this operation does not hold the host''s lock, and the folder may be another run''s.' -f $Folder)
    }
}
