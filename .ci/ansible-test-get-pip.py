"""Stand-in for the get-pip.py script that `ansible-test sanity` downloads.

ansible-test bootstraps pip into each sanity-test virtualenv by running a
get-pip.py that it downloads from ci-files.testing.ansible.com, a host CI
cannot reach. It looks for the script in its cache first
(~/.ansible/test/cache/get_pip_<version>.py, see ansible_test/_util/target/
setup/requirements.py), so `make sanity` places this file there instead.

It is called as get-pip.py is: `python get_pip.py [pip options] pip==X.Y
--no-setuptools --no-wheel`. It installs the pip that comes with Python
(ensurepip), then lets that pip install the requested packages from the
package index.
"""

import ensurepip
import subprocess
import sys

GET_PIP_ONLY_OPTIONS = {'--no-setuptools', '--no-wheel'}


def main():
    ensurepip.bootstrap(upgrade=True)
    arguments = [argument for argument in sys.argv[1:] if argument not in GET_PIP_ONLY_OPTIONS]
    subprocess.run([sys.executable, '-m', 'pip', 'install', *arguments], check=True)


if __name__ == '__main__':
    main()
