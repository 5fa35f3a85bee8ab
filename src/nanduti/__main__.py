from nanduti.cli import main

main()
